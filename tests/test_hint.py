"""make hint: three levels for every blank, the first two never giving the
answer away, and the level that goes up each time it is asked again."""

import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tools.attendee import hint
from tools.blanks import answer, exercise_from, todos
from tools.chapters import CHAPTERS
from tools.paths import SOLUTIONS
from tools.processes import command_env

BLANKS = [(c, t) for c in CHAPTERS for t in todos((c.folder(SOLUTIONS) / "main.py").read_text())]
LUIGI = "https://luigi.readthedocs.io/en/stable/"
PYTHON = "https://docs.python.org/3/"
# The pages of luigi's documentation, from the doc/ folder of its repository (api/ pages: one per module).
LUIGI_PAGES = {
    "index.html",
    "workflows.html",
    "tasks.html",
    "parameters.html",
    "running_luigi.html",
    "central_scheduler.html",
    "execution_model.html",
    "luigi_patterns.html",
    "configuration.html",
}


def blank_id(item):
    return f"{item[0].name}-{item[1].number}"


def solution(chapter):
    return (chapter.folder(SOLUTIONS) / "main.py").read_text()


def headers(output):
    return [line for line in output.splitlines() if line.startswith("Hint ")]


@pytest.mark.parametrize("item", BLANKS, ids=blank_id)
def test_every_blank_has_three_levels_none_of_the_first_two_giving_the_answer_away(item):
    chapter, todo = item
    blank = hint.Blank(chapter, todo, chapter.folder() / "main.py")
    what, how, the_answer = (hint.text(blank, level) for level in (1, 2, 3))
    assert what.splitlines()[-1] == f"See {chapter.hints[todo.number].link}" and how.strip()
    assert the_answer == answer(solution(chapter), todo.number)
    for text in (what, how):
        assert len(text.splitlines()) <= 3 and all(len(line) <= 110 for line in text.splitlines()), text
        for line in the_answer.splitlines():
            if re.search(r"\w", line):  # a closing `)` alone gives nothing away
                assert re.sub(r"\s+", "", line) not in re.sub(r"\s+", "", text), f"{blank_id(item)} gives away: {line}"
    page = chapter.hints[todo.number].link.split("#")[0]
    if page.startswith(LUIGI + "api/"):
        assert importlib.util.find_spec(page.removeprefix(LUIGI + "api/").removesuffix(".html")), page
    elif page.startswith(LUIGI):
        assert page.removeprefix(LUIGI) in LUIGI_PAGES, page
    else:
        path = page.removeprefix(PYTHON)
        assert path == "howto/sorting.html" or importlib.util.find_spec(path.removeprefix("library/")[:-5]), page


def test_asking_again_shows_the_next_level_up_to_the_answer(repo, sh, git_status):
    basics = CHAPTERS[0]
    first = todos((basics.folder(repo) / "main.py").read_text())[0]
    place = f"for {basics.name}/main.py:{first.line}, TODO {first.number}: {first.text}"
    outputs = [sh("make hint", repo) for _ in range(4)]
    assert [headers(result.stdout) for result in outputs] == [[f"Hint {level} of 3 {place}"] for level in (1, 2, 3, 3)]
    assert "make hint again for more (level 3 is the answer)" in outputs[0].stdout
    assert basics.hints[1].how.splitlines()[0] in outputs[1].stdout
    assert all(f"    {line}" in outputs[2].stdout.splitlines() for line in answer(solution(basics), 1).splitlines())
    for wrong in ("0", "4", "two", "2 3"):  # "2 3": not level 2 of chapter 3
        refused = sh(f"make hint LEVEL='{wrong}'", repo)
        assert refused.returncode != 0 and f"There is no hint level '{wrong}': LEVEL is 1 to 3" in refused.stdout
    assert headers(sh("make hint LEVEL=1", repo).stdout) == [f"Hint 1 of 3 {place}"]
    assert headers(sh("make hint", repo).stdout) == [f"Hint 2 of 3 {place}"], "picking a level starts from there"
    assert json.loads((repo / ".workshop" / "hints.json").read_text()) == {f"{basics.name}:1": 2}
    assert git_status(repo) == [], "the hint levels seen are kept in a git-ignored folder"
    dashed = sh("make hint CHAPTER=--level=3", repo)  # a chapter's name, whatever it starts with
    assert dashed.returncode != 0 and "there is no chapter '--level=3'" in dashed.stdout, dashed.stdout


def test_the_hint_moves_on_with_the_blanks_and_chapters(repo, sh):
    basics, following = CHAPTERS[0], CHAPTERS[1]
    shutil.copy(basics.folder(SOLUTIONS) / "main.py", basics.folder(repo) / "main.py")
    first, second = todos(solution(following))[:2]
    result = sh("make hint", repo)
    assert headers(result.stdout) == [f"Hint 1 of 3 for {following.name}/main.py:{first.line}, TODO 1: {first.text}"]
    main = following.folder(repo) / "main.py"
    main.write_text(exercise_from(solution(following), {second.number}))  # the first blank filled in
    result = sh(f"make hint CHAPTER={following.name} LEVEL=2", repo)
    line = todos(main.read_text())[1].line
    assert headers(result.stdout) == [f"Hint 2 of 3 for {following.name}/main.py:{line}, TODO 2: {second.text}"]
    assert f"make hint CHAPTER={following.name} again for more" in result.stdout
    done = sh(f"make hint CHAPTER={basics.name}", repo)
    assert f"{basics.name} is done: nothing to hint." in done.stdout and not headers(done.stdout)
    assert f"Next not done: {following.name} (make hint CHAPTER={following.name})." in done.stdout
    main.write_text(solution(following).replace('"Hello World\\n"', '"Hello, World\\n"'))  # filled in, and wrong
    wrong = sh(f"make hint CHAPTER={following.name}", repo)
    assert headers(wrong.stdout)[0].startswith(f"Hint 3 of 3 for {following.name}/main.py:"), wrong.stdout
    assert "(It is filled in, but not right yet: hello_world.txt should hold" in wrong.stdout, wrong.stdout


def test_a_chapter_that_passed_is_checked_again_only_once_its_files_change(repo, sh, tmp_path):
    """make hint passes over the chapters done before: those that passed before
    on the very same files are not checked again. main.py counts here each time
    the tests import or run it."""
    basics, following = CHAPTERS[0], CHAPTERS[1]
    imported = tmp_path / "imported"
    main = basics.folder(repo) / "main.py"
    main.write_text(f"{solution(basics)}\nopen({str(imported)!r}, 'a').write('once\\n')\n")

    def runs():
        return len(imported.read_text().splitlines()) if imported.exists() else 0

    assert sh(f"make check CHAPTER={basics.name}", repo).returncode == 0
    passed = runs()
    first = todos(solution(following))[0]
    hinted = f"Hint 1 of 3 for {following.name}/main.py:{first.line}, TODO 1: {first.text}"
    assert passed > 0 and headers(sh("make hint", repo).stdout) == [hinted]
    assert runs() == passed, "Basics passed on these very files: make hint did not check it again"
    for changed in (main, repo / "tests" / "chapters" / basics.tests.name, repo / "luigi.cfg"):
        before = runs()
        with changed.open("a") as file:
            file.write("\n# changed\n")
        assert headers(sh("make hint LEVEL=1", repo).stdout) == [hinted]
        assert runs() > before, f"{changed.name} changed: Basics is checked again"


def test_a_failure_tied_to_no_blank_is_said_in_words(repo, sh):
    for chapter in CHAPTERS[:2]:
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(repo) / "main.py")
    main = CHAPTERS[1].folder(repo) / "main.py"
    main.write_text(
        main.read_text().replace("    luigi.retcodes.run_with_retcodes", "    luigi.retcodes.run_with_recodes")
    )
    said = sh("make hint", repo)
    assert said.returncode == 0 and said.stdout.startswith(f"{CHAPTERS[1].name} is not right yet: "), said.stdout
    assert "make check CHAPTER=CreateOutput" in said.stdout


def test_stopped_while_the_chapter_runs_it_says_so_in_one_line(repo, tmp_path, left_running):
    basics = CHAPTERS[0]
    (basics.folder(repo) / "main.py").write_text("import time\n\nwhile True:\n    time.sleep(0.1)\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.attendee.hint"], cwd=repo, env=command_env(tmp_path / "tmp"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not list((repo / ".workshop" / "scratch").glob("check-*/Basics/output.txt")):  # its tests run
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()[0]
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 130 and output.strip().splitlines()[-1] == "Stopped.", output
    assert "Traceback" not in output and left_running(repo) == [], output
    assert not list((repo / ".workshop" / "scratch").iterdir()), "the checker's copy is removed"


def test_a_missing_main_py_or_chapter_folder_is_said_in_words(repo, sh):
    basics, parameters = CHAPTERS[0], CHAPTERS[2]
    (basics.folder(repo) / "main.py").unlink()
    shutil.rmtree(parameters.folder(repo))
    said = sh("make hint", repo)
    assert said.returncode == 0 and f"{basics.name} is not right yet: {basics.name}/main.py is missing." in said.stdout
    for command in (f"make hint CHAPTER={parameters.name}", f"make check CHAPTER={parameters.name}"):
        assert (
            f"The folder {parameters.name}/ is missing: `git checkout -- {parameters.name}`" in sh(command, repo).stdout
        )


@pytest.mark.parametrize("state", ['{"Basics:1": "2"}', '{"Basics:1": null}', '{"Basics:1": 1.5}', "folder", "file"])
def test_hint_levels_kept_in_an_odd_state_start_again_at_level_1(repo, state, monkeypatch, capsys):
    """.workshop/hints.json edited by hand, made a folder, or .workshop a file."""
    workshop = repo / ".workshop"
    if state == "file":
        workshop.write_text("not a folder\n")
    elif state == "folder":
        (workshop / "hints.json").mkdir(parents=True)
    else:
        workshop.mkdir()
        (workshop / "hints.json").write_text(state)
    monkeypatch.setattr(hint, "SEEN", workshop / "hints.json")
    assert hint.main(["--tree", str(repo)]) == 0
    out = capsys.readouterr().out
    assert headers(out)[0].startswith("Hint 1 of 3 for "), out
    if state in ("file", "folder"):  # nothing can be kept: asking again would show level 1 again
        assert "LEVEL=2 for more (level 3 is the answer)" in out and "cannot be written" in out, out


def test_hint_levels_that_cannot_be_written_name_the_next_level(repo, sh, immutable):
    """.workshop/hints.json of root's (sudo make hint): readable, never written."""
    (repo / ".workshop").mkdir()
    (repo / ".workshop" / "hints.json").write_text('{"Basics:1": 1}\n')
    immutable(repo / ".workshop" / "hints.json")
    for _ in range(2):
        result = sh("make hint", repo)
        assert headers(result.stdout)[0].startswith("Hint 2 of 3 for Basics/main.py:"), result.stdout
        assert "make hint LEVEL=3 for more (level 3 is the answer)" in result.stdout, result.stdout
