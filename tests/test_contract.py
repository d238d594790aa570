"""The exercise contract, checked for every chapter.

- every exercise is exactly what its solution makes (tools/blanks.py): the
  two differ only at the TODO blanks, and can never drift apart;
- every blank, left open on its own in an otherwise finished file, makes the
  documented command fail naming the file and the blank, and fails the
  chapter's tests: no blank can be skipped and still "pass";
- the two trees hold the same files, and every chapter explains itself.
"""

import filecmp
import os
import subprocess
import sys

import pytest

from tools import blanks
from tools.chapters import CHAPTERS, EXERCISES, ROOT, SOLUTIONS, command_env


def sources(chapter):
    exercise = (chapter.folder(EXERCISES) / "main.py").read_text()
    solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
    return exercise, solution


def every_blank():
    return list(_every_blank())


def _every_blank():
    for chapter in CHAPTERS:
        for todo in blanks.todos(sources(chapter)[0]):
            yield pytest.param(chapter, todo.number, id=f"{chapter.name}-TODO{todo.number}")


by_name = pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)


@by_name
def test_exercise_is_its_solution_with_the_answers_taken_out(chapter):
    exercise, solution = sources(chapter)
    assert exercise == blanks.exercise_from(solution), (
        f"{chapter.name}/main.py is not what solutions/{chapter.name}/main.py makes: change the solution, then run"
        " `python -m tools.blanks --write`"
    )
    numbers = [todo.number for todo in blanks.todos(exercise)]
    assert numbers == list(range(1, len(numbers) + 1)), f"TODOs must be numbered 1, 2, ... in file order: {numbers}"
    assert 2 <= len(numbers) <= 5, f"a chapter has 2 to 5 blanks, not {len(numbers)}"
    assert [todo.number for todo in blanks.open_todos(exercise)] == numbers, "every blank has its placeholder"
    assert blanks.open_todos(solution) == [], "the solution must fill in every blank"


def test_an_answer_ends_at_an_empty_line_a_comment_or_a_dedent():
    solution = (
        "def f():\n"
        "    # TODO 1: two lines\n"
        "    a = 1\n"
        "    b = 2\n"
        "\n"
        "    # TODO 2: then a comment\n"
        "    c = 3\n"
        "    # a comment\n"
        "    if c:\n"
        "        # TODO 3: then a dedent\n"
        "        d = 4\n"
        "        e = d\n"
        "    return e\n"
    )
    assert blanks.answers(solution) == {1: (2, 4), 2: (6, 7), 3: (10, 12)}
    assert blanks.answer(solution, 3) == "d = 4\ne = d\n"
    opened = blanks.with_blank(solution, 1).splitlines()
    assert opened[1:4] == ["    # TODO 1: two lines", "    " + blanks.PLACEHOLDER.format(n=1), ""]
    assert blanks.exercise_from(solution).count("NotImplementedError") == 3


@by_name
def test_placeholders_raise_and_name_their_blank(chapter):
    exercise, _ = sources(chapter)
    for line in exercise.splitlines():
        number = blanks.blank_number(line)
        if number and not blanks.COMMENT.match(line):
            assert f'raise NotImplementedError("TODO {number}: ' in line, (
                f"placeholder must raise, naming its blank: {line}"
            )


@by_name
def test_exercise_and_solution_folders_hold_the_same_files(chapter):
    def files(tree):
        folder = chapter.folder(tree)
        return sorted(
            p.relative_to(folder)
            for p in folder.rglob("*")
            if p.is_file()
            and "__pycache__" not in p.parts
            and not chapter.generated(p.relative_to(folder))
            and ".saved-" not in p.name
            and p.name != "README.md"  # the chapter's page lives with the exercise only
        )

    assert files(EXERCISES) == files(SOLUTIONS)
    for relative in files(EXERCISES):
        if relative.name != "main.py":
            assert filecmp.cmp(
                chapter.folder(EXERCISES) / relative, chapter.folder(SOLUTIONS) / relative, shallow=False
            )
    assert (chapter.folder(EXERCISES) / "luigi.cfg").resolve() == ROOT / "luigi.cfg", "link luigi.cfg to the shared one"


@by_name
def test_docstring_says_what_how_and_what_next(chapter):
    exercise, _ = sources(chapter)
    doc = exercise.split('"""')[1]
    assert doc.startswith(f"Chapter {chapter.number}, {chapter.name}:")
    assert chapter.command in doc, "the docstring shows the documented command"
    assert "Then look at:" in doc


def with_one_blank(chapter, number, tmp_path):
    """A copy of the solution's folder with only blank `number` left open."""
    folder = chapter.copy(SOLUTIONS, tmp_path / chapter.name)
    (folder / "main.py").write_text(blanks.with_blank(sources(chapter)[1], number))
    return folder


@pytest.mark.parametrize(("chapter", "number"), every_blank())
def test_one_open_blank_fails_the_command_and_names_itself(chapter, number, tmp_path, request):
    folder = with_one_blank(chapter, number, tmp_path)
    # A chapter whose command needs luigid gets the test's own (see conftest.py).
    config = None
    if chapter.needs_luigid:
        config = request.getfixturevalue("luigid").client_config(tmp_path / "luigi-test.cfg", chapter.quick)
    result = subprocess.run(
        chapter.command,
        shell=True,
        cwd=folder,
        env=command_env(tmp_path / "tmp", config),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"with TODO {number} open, `{chapter.command}` must fail:\n{output}"
    assert f"TODO {number}" in output and "main.py" in output, output


@pytest.mark.parametrize(("chapter", "number"), every_blank())
def test_one_open_blank_fails_the_chapter_tests(chapter, number, tmp_path):
    """The first failing test proves it: -x stops the run there."""
    with_one_blank(chapter, number, tmp_path)
    command = [sys.executable, "-m", "pytest", str(chapter.tests), "--tree", str(tmp_path), "-qx"]
    # Its own folders go in this test's: not numbered folders in the system's temp.
    command += ["-p", "no:cacheprovider", f"--basetemp={tmp_path / 'basetemp'}"]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"),  # as tools/check.py runs them
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
