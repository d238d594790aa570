"""README.md, "For maintainers", "Adding a chapter": its four steps, followed
as written in a copy of the repo with a throwaway chapter, Greetings (the
next free number), then every command of the attendee's and the
instructor's picks it up, with nothing in tools/ changed."""

import re
import shutil
import subprocess
import sys

import pytest

from tools.blanks import exercise_from
from tools.chapters import load
from tools.clone import copy_of_the_repo
from tools.processes import command_env

NAME = "Greetings"
COMMAND = "python main.py Greet --name World --local-scheduler"

# The chapter's files; NUMBER stands for its number.
SOLUTION = r'''"""Chapter NUMBER, Greetings: a greeting for a name, in a file of its own.

python main.py Greet --name World --local-scheduler
"""

import sys

import luigi
import luigi.retcodes


class Greet(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        # TODO 1: return the target of the file greeting-<name>.txt
        return luigi.LocalTarget(f"greeting-{self.name}.txt")

    def run(self):
        with self.output().open("w") as out:
            # TODO 2: write the line Hello, <name>!
            out.write(f"Hello, {self.name}!\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
'''

# The record after its number: Basics' header comment stays (step 1: "copy one; number it").
RECORD = r"""command = 'python main.py Greet --name World --local-scheduler'
then = 'cat greeting-World.txt'
writes = ['greeting-\w+\.txt']

[hints.1]
what = 'output() names the file the task writes: greeting-<name>.txt, for the name parameter.'
link = 'https://luigi.readthedocs.io/en/stable/tasks.html#task-output'
how = 'Return a luigi.LocalTarget; self.name is the parameter.'

[hints.2]
what = 'Write one line to the target: Hello, then the name and an exclamation mark.'
link = 'https://luigi.readthedocs.io/en/stable/tasks.html#task-run'
how = 'out.write(text) writes text; end it with a newline.'

[[answers]]
name = "a concatenation"
right = true
blanks.1 = 'return luigi.LocalTarget("greeting-" + self.name + ".txt")'

[[answers]]
name = "print to the file"
right = true
blanks.2 = 'print(f"Hello, {self.name}!", file=out)'

[[answers]]
name = "one file for every name"
right = false
says = "should be the file greeting-Ada.txt"
blanks.1 = 'return luigi.LocalTarget("greeting.txt")'

[[answers]]
name = "no comma"
right = false
says = "should write the line 'Hello, Ada!'"
blanks.2 = 'out.write(f"Hello {self.name}!\n")'
"""

TESTS = r'''"""Chapter NUMBER, Greetings: a throwaway chapter of tests/test_new_chapter.py."""

import pytest


@pytest.mark.blank(1)
def test_the_output_is_named_after_the_name(chapter):
    target = chapter.load().Greet(name="Ada").output()
    assert target.path == "greeting-Ada.txt", "Greet(name='Ada').output() should be the file greeting-Ada.txt"


@pytest.mark.blank(2)
def test_run_writes_the_greeting(chapter):
    greet = chapter.load().Greet(name="Ada")
    greet.run()
    with greet.output().open() as written:
        text = written.read()
    assert text == "Hello, Ada!\n", f"Greet(name='Ada') should write the line 'Hello, Ada!'; it wrote {text!r}"
'''

PAGE = f"# Chapter NUMBER: {NAME}\n\nA throwaway chapter.\n\n```console\n$ {COMMAND}\n```\n"


def run(command, repo, folder=None, timeout=300):
    """A command as typed in the copy of the repo (or a folder of it), with this venv's python: (exit code, what it
    printed). Its temporary files go beside the copy."""
    done = subprocess.run(
        command, shell=True, cwd=folder or repo, env=command_env(repo.parent / "tmp"), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout,
    )  # fmt: skip
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
def added(tmp_path_factory):
    """A copy of the repo with the chapter added, step by step; (the copy, its number, what blanks --write said)."""
    repo = copy_of_the_repo(tmp_path_factory.mktemp("new-chapter") / "repo", solved=False)
    assert run("git init -q && git add -A", repo)[0] == 0  # for git status: what the chapter writes is ignored
    number = len(load(repo / "solutions")) + 1
    basics, solution, exercise = repo / "solutions" / "Basics", repo / "solutions" / NAME, repo / NAME
    # 1. The solution, each blank a TODO comment above its answer; its record, a copy of one, numbered; what its
    # tasks write, in .gitignore.
    solution.mkdir()
    (solution / "main.py").write_text(SOLUTION.replace("NUMBER", str(number)))
    header = (basics / "chapter.toml").read_text().split("\nnumber = ")[0].replace("1, Basics", f"{number}, {NAME}")
    (solution / "chapter.toml").write_text(f"{header}\nnumber = {number}\n{RECORD}")
    ignored = repo / ".gitignore"
    ignored.write_text(ignored.read_text() + "greeting-*.txt\n")
    # 2. The chapter folder: its page, the Makefile and luigi.cfg link of another chapter (in both
    # trees), then the exercise, written from the solution.
    exercise.mkdir()
    (exercise / "README.md").write_text(PAGE.replace("NUMBER", str(number)))
    for tree in (repo, repo / "solutions"):
        for name in ("Makefile", "luigi.cfg"):
            shutil.copy2(tree / "Basics" / name, tree / NAME / name, follow_symlinks=False)
    code, said = run(f"{sys.executable} -m tools.blanks --write", repo)
    assert code == 0, said
    # 3. Its tests, one or more per blank.
    (repo / "tests" / "chapters" / f"test_{NAME.lower()}.py").write_text(TESTS.replace("NUMBER", str(number)))
    # 4. Its answers are in the record; link its page from the README.
    readme = repo / "README.md"
    readme.write_text(
        readme.read_text().replace("\n\n## Wrap up", f"\n{number}. [{NAME}]({NAME}/README.md).\n\n## Wrap up")
    )
    return repo, number, said


def test_the_steps_make_a_chapter_that_passes_the_contract_and_answer_tests(added):
    repo, number, said = added
    assert said == f"rewrote {NAME}/main.py\n"
    assert (repo / NAME / "main.py").read_text() == exercise_from(SOLUTION.replace("NUMBER", str(number)))
    code, said = run(f"{sys.executable} -m pytest -p no:cacheprovider -q tests/test_answers.py -k {NAME}", repo)
    passed = re.search(r"(\d+) passed", said)
    assert code == 0 and passed and int(passed.group(1)) >= 9, said  # 2 contract, 1 published, 2 open, 4 answers
    code, said = run(f"{sys.executable} -m pytest -p no:cacheprovider -q tests/chapters/test_{NAME.lower()}.py", repo)
    assert code == 0 and "2 passed" in said, said


def test_every_command_picks_it_up(added):
    repo, number, _ = added
    row = f"  {number}  {NAME:<14} "
    code, said = run("make check", repo)
    assert code != 0 and f"{row}not yet (2 TODOs open)" in said, said
    code, said = run(f"make hint CHAPTER={NAME}", repo)
    assert code == 0 and f"Hint 1 of 3 for {NAME}/main.py:" in said and "greeting-<name>.txt" in said, said
    main = repo / NAME / "main.py"
    main.write_text(main.read_text().replace('raise NotImplementedError("TODO 1")', "return None", 1))
    code, said = run(f"make check CHAPTER={NAME}", repo)
    assert code != 0 and f"{NAME}/main.py" in said and "TODO 1:" in said, said
    shutil.copy(repo / "solutions" / NAME / "main.py", main)
    code, said = run("make check", repo)
    assert f"{row}done" in said, said
    code, said = run(f"make check CHAPTER={NAME}", repo)
    assert code == 0 and f"{row}done" in said and "1 of 1 chapter done." in said, said
    code, said = run(f"make run CHAPTER={NAME}", repo)
    assert code == 0 and "\nHello, World!\n" in said and "1 of 1 chapter ran successfully" in said, said

    # make clean: what the record says the chapter writes, in both trees; a file of one's own stays.
    for folder in (repo / NAME, repo / "solutions" / NAME):
        code, said = run(COMMAND, repo, folder)
        assert code == 0 and (folder / "greeting-World.txt").exists(), said
    assert "greeting-World.txt" not in run("git status --porcelain --untracked-files=all", repo)[1]
    mine = repo / NAME / "greeting-notes.md"
    mine.write_text("mine\n")
    code, said = run("make clean", repo)
    assert code == 0, said
    assert f"removed {NAME}/greeting-World.txt" in said and f"removed solutions/{NAME}/greeting-World.txt" in said
    assert mine.exists()
    mine.unlink()  # the folder as the other test expects it, whichever runs first

    code, said = run(f"make reset CHAPTER={NAME}", repo)
    assert code == 0 and f"{NAME}/main.py is back to its blanks." in said, said
    assert main.read_text() == exercise_from(SOLUTION.replace("NUMBER", str(number)))
    assert [p.name for p in main.parent.glob("main.py.saved-*")], "the attendee's version is saved beside it"
