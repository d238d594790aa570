"""make hint: three levels for every blank, none of the first two giving the
answer away, and the level that goes up each time it is asked again."""

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tools import check, hint
from tools.blanks import answer, exercise_from, todos
from tools.chapters import CHAPTERS, SOLUTIONS, command_env
from tools.hints import HINTS, LUIGI, PYTHON

BLANKS = [
    (chapter, todo) for chapter in CHAPTERS for todo in todos((chapter.folder(SOLUTIONS) / "main.py").read_text())
]

# The pages of luigi's documentation, from the doc/ folder of its repository
# (the api/ pages are made from the modules, one page each).
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


def squeezed(text):
    return re.sub(r"\s+", "", text)


def test_every_chapter_has_hints_for_its_blanks_and_no_others():
    assert set(HINTS) == {chapter.name for chapter in CHAPTERS}
    for chapter in CHAPTERS:
        assert set(HINTS[chapter.name]) == {todo.number for todo in todos(solution(chapter))}, chapter.name


@pytest.mark.parametrize("item", BLANKS, ids=blank_id)
def test_every_blank_has_three_levels_and_the_third_is_its_answer(item):
    chapter, todo = item
    blank = hint.Blank(chapter, todo, chapter.folder() / "main.py")
    what, how, the_answer = (hint.text(blank, level) for level in (1, 2, 3))
    assert what.strip() and how.strip()
    assert what.splitlines()[-1] == f"See {HINTS[chapter.name][todo.number].link}"
    assert the_answer == answer(solution(chapter), todo.number)
    for text in (what, how):
        assert len(text.splitlines()) <= 3, f"{blank_id(item)}: a hint level is at most 3 lines"
        assert all(len(line) <= 110 for line in text.splitlines()), f"{blank_id(item)}: lines fit a terminal"


@pytest.mark.parametrize("item", BLANKS, ids=blank_id)
def test_levels_one_and_two_never_hold_a_line_of_the_answer(item):
    chapter, todo = item
    blank = hint.Blank(chapter, todo, chapter.folder() / "main.py")
    for line in answer(solution(chapter), todo.number).splitlines():
        if not re.search(r"\w", line):
            continue  # a closing `)` alone gives nothing away
        for level in (1, 2):
            assert squeezed(line) not in squeezed(hint.text(blank, level)), f"level {level} gives away: {line}"


@pytest.mark.parametrize("item", BLANKS, ids=blank_id)
def test_every_link_names_a_page_that_exists(item):
    link = HINTS[item[0].name][item[1].number].link
    page = link.split("#")[0]
    if page.startswith(LUIGI + "api/"):
        module = page.removeprefix(LUIGI + "api/").removesuffix(".html")
        assert importlib.util.find_spec(module), f"luigi has no module {module}, so no page {page}"
    elif page.startswith(LUIGI):
        assert page.removeprefix(LUIGI) in LUIGI_PAGES, page
    else:
        assert page.startswith(PYTHON), f"{link}: luigi's documentation, or Python's"
        path = page.removeprefix(PYTHON)
        assert path == "howto/sorting.html" or importlib.util.find_spec(path.removeprefix("library/")[:-5]), page


def headers(output):
    return [line for line in output.splitlines() if line.startswith("Hint ")]


def test_asking_again_shows_the_next_level_up_to_the_answer(repo, sh):
    basics = CHAPTERS[0]
    first = todos((basics.folder(repo) / "main.py").read_text())[0]
    place = f"for {basics.name}/main.py:{first.line}, TODO {first.number}: {first.text}"
    outputs = [sh("make hint", repo) for _ in range(4)]
    assert all(result.returncode == 0 for result in outputs), outputs[0].stdout
    assert [headers(result.stdout) for result in outputs] == [[f"Hint {level} of 3 {place}"] for level in (1, 2, 3, 3)]
    assert "make hint again for more (level 3 is the answer)" in outputs[0].stdout
    assert HINTS[basics.name][1].link in outputs[0].stdout
    assert HINTS[basics.name][1].how.splitlines()[0] in outputs[1].stdout
    for line in answer(solution(basics), 1).splitlines():
        assert f"    {line}" in outputs[2].stdout.splitlines()

    for wrong in ("0", "4", "two", "2 3", "--first"):  # "2 3": not level 2 of chapter 3
        refused = sh(f"make hint LEVEL='{wrong}'", repo)
        assert refused.returncode != 0 and "usage:" not in refused.stdout, refused.stdout
        assert f"There is no hint level '{wrong}': LEVEL is 1 to 3" in refused.stdout, refused.stdout
    picked = sh("make hint LEVEL=1", repo)
    assert headers(picked.stdout) == [f"Hint 1 of 3 {place}"]
    assert headers(sh("make hint", repo).stdout) == [f"Hint 2 of 3 {place}"], "picking a level starts from there"
    assert json.loads((repo / ".workshop" / "hints.json").read_text()) == {f"{basics.name}:1": 2}
    status = sh("git status --porcelain --untracked-files=all", repo).stdout
    assert status == "", "the hint levels seen are kept in a git-ignored folder"


def test_the_hint_moves_on_with_the_blanks_and_chapters(repo, sh):
    basics, following = CHAPTERS[0], CHAPTERS[1]
    shutil.copy(basics.folder(SOLUTIONS) / "main.py", basics.folder(repo) / "main.py")
    result = sh("make hint", repo)
    first, second = todos(solution(following))[:2]
    assert headers(result.stdout) == [f"Hint 1 of 3 for {following.name}/main.py:{first.line}, TODO 1: {first.text}"]

    main = following.folder(repo) / "main.py"
    main.write_text(exercise_from(solution(following), {second.number}))  # the first blank filled in
    second_line = todos(main.read_text())[1].line
    result = sh(f"make hint CHAPTER={following.name} LEVEL=2", repo)
    assert headers(result.stdout) == [f"Hint 2 of 3 for {following.name}/main.py:{second_line}, TODO 2: {second.text}"]
    assert f"make hint CHAPTER={following.name} again for more" in result.stdout

    filled = sh(f"make hint CHAPTER={basics.name}", repo)
    assert filled.returncode == 0 and not headers(filled.stdout)
    assert f"{basics.name} is done: nothing to hint." in filled.stdout  # as tools.check.failing_blanks says
    assert f"Next not done: {following.name} (make hint CHAPTER={following.name})." in filled.stdout
    main.write_text(solution(following).replace("hello_world.txt", "hello-world.txt"))  # filled in, and wrong
    wrong = sh(f"make hint CHAPTER={basics.name}", repo)
    assert f"Next not done: {following.name} (make hint CHAPTER={following.name})." in wrong.stdout, wrong.stdout


def test_a_chapter_that_passed_is_checked_again_only_once_its_files_change(repo, sh, tmp_path):
    """make hint passes over the chapters done before it: those that passed
    before (make check, make watch, make hint) on the very same files are not
    checked again. Their main.py counts here each time the tests import or run it."""
    basics, following = CHAPTERS[0], CHAPTERS[1]
    imported = tmp_path / "imported"
    main = basics.folder(repo) / "main.py"
    main.write_text(f"{solution(basics)}\nopen({str(imported)!r}, 'a').write('once\\n')\n")

    def runs():
        return len(imported.read_text().splitlines()) if imported.exists() else 0

    assert sh(f"make check CHAPTER={basics.name}", repo).returncode == 0
    passed = runs()
    assert passed > 0, "the check ran Basics' tests"
    first = todos(solution(following))[0]
    hint = f"Hint 1 of 3 for {following.name}/main.py:{first.line}, TODO 1: {first.text}"
    assert headers(sh("make hint", repo).stdout) == [hint]
    assert runs() == passed, "Basics passed on these very files: make hint did not check it again"
    assert sh(f"make check CHAPTER={basics.name}", repo).returncode == 0
    assert runs() == 2 * passed, "make check checks every chapter it names, every time"

    for changed in (main, repo / "tests" / basics.tests.name, basics.folder(repo) / "my-notes.txt", repo / "luigi.cfg"):
        before = runs()
        with changed.open("a") as file:
            file.write("\n# changed\n")
        assert headers(sh("make hint LEVEL=1", repo).stdout) == [hint]
        assert runs() > before, f"{changed.name} changed: Basics is checked again"
    before = runs()
    assert headers(sh("PYTHONHASHSEED=1 make hint LEVEL=1", repo).stdout) == [hint]
    assert runs() > before, "a setting that Python reads changed: Basics is checked again"
    main.write_text(main.read_text().replace('print("Hello World")', 'print("Hello, World")'))
    wrong = sh("make hint", repo)
    assert "for Basics/main.py" in wrong.stdout and "printed:" in wrong.stdout, wrong.stdout


class Checker:
    """tools.check.failing_blanks as the checker will provide it: what its tests reject, by blank."""

    def __init__(self, failing):
        self.failing, self.asked = failing, []

    def __call__(self, chapter, tree, trust_passed=False):
        self.asked.append((chapter.name, tree))
        return self.failing.get(chapter.name, {})


def test_a_blank_that_is_filled_in_but_wrong_gets_the_hint_first(repo, monkeypatch, capsys):
    basics = CHAPTERS[0]
    main = basics.folder(repo) / "main.py"
    main.write_text(exercise_from(solution(basics), {2}).replace('print("Hello World")', 'print("Hello, World")'))
    checker = Checker({basics.name: {1: "should print the line 'Hello World'", 2: "not filled in yet"}})
    monkeypatch.setattr(check, "failing_blanks", checker, raising=False)
    monkeypatch.setattr(hint, "STATE", repo / ".workshop" / "hints.json")

    assert hint.main(["--tree", str(repo)]) == 0
    shown = capsys.readouterr().out
    first = todos(main.read_text())[0]
    assert headers(shown) == [f"Hint 1 of 3 for {hint.shown(main)}:{first.line}, TODO 1: {first.text}"]
    assert "not right yet: should print the line 'Hello World'" in shown
    assert checker.asked == [(basics.name, repo)]


def test_a_failure_tied_to_no_blank_is_said_in_words(repo, monkeypatch, capsys):
    for chapter in CHAPTERS[:2]:
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(repo) / "main.py")
    checker = Checker({CHAPTERS[1].name: {0: "hello_world.txt should be written atomically"}})
    monkeypatch.setattr(check, "failing_blanks", checker, raising=False)
    assert hint.main(["--tree", str(repo)]) == 0
    shown = capsys.readouterr().out
    assert f"{CHAPTERS[1].name} is not right yet: hello_world.txt should be written atomically" in shown
    assert [name for name, _ in checker.asked] == [c.name for c in CHAPTERS[:2]], "chapter 1 is done: on to 2"


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_stopped_while_the_chapter_runs_it_says_so_in_one_line(repo, tmp_path, signal_name):
    """Ctrl-C during `make hint`, or `make watch` stopping the hint it started,
    while the chapter's tests still run (here: code that never returns)."""
    basics = CHAPTERS[0]
    (basics.folder(repo) / "main.py").write_text("import time\n\nwhile True:\n    time.sleep(1)\n")
    env = command_env(tmp_path / "tmp")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.hint"], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / "tmp").glob("check-*/output.txt")):  # the chapter's tests have started
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()[0]
            time.sleep(0.1)
        process.send_signal(getattr(signal, signal_name))
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, output
    assert output.strip().splitlines()[-1] == "Stopped.", output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert not list((tmp_path / "tmp").glob("check-*")), "the checker's copy is removed"


def test_a_missing_main_py_or_chapter_folder_is_said_in_words(repo, sh):
    basics, parameters = CHAPTERS[0], CHAPTERS[2]
    (basics.folder(repo) / "main.py").unlink()
    shutil.rmtree(parameters.folder(repo))
    said = sh("make hint", repo)
    assert said.returncode == 0 and "Traceback" not in said.stdout, said.stdout
    assert f"{basics.name} is not right yet: {basics.name}/main.py is missing." in said.stdout
    for command in (f"make hint CHAPTER={parameters.name}", f"make check CHAPTER={parameters.name}"):
        result = sh(command, repo)
        assert f"The folder {parameters.name}/ is missing: `git checkout -- {parameters.name}`" in result.stdout, (
            result.stdout
        )
    reset = sh(f"make reset CHAPTER={parameters.name}", repo)
    assert reset.returncode != 0 and "Traceback" not in reset.stdout, reset.stdout
    assert f"error: The folder {parameters.name}/ is missing" in reset.stdout

    # A main.py that is a folder; make reset CHAPTER=all says why for each chapter it cannot reset, and goes on.
    dependencies, last = CHAPTERS[3], CHAPTERS[-1]
    (dependencies.folder(repo) / "main.py").unlink()
    (dependencies.folder(repo) / "main.py").mkdir()
    blank = (last.folder(repo) / "main.py").read_text()
    (last.folder(repo) / "main.py").write_text("my try\n")
    everything = sh("make reset CHAPTER=all", repo)
    assert everything.returncode != 0 and "Traceback" not in everything.stdout, everything.stdout
    assert f"error: {dependencies.name}/main.py is a folder, not a file" in everything.stdout
    assert f"error: The folder {parameters.name}/ is missing" in everything.stdout
    assert (last.folder(repo) / "main.py").read_text() == blank, "the chapters after them are reset too"
    assert (basics.folder(repo) / "main.py").exists(), "and the missing main.py is back"


@pytest.mark.parametrize(
    "state", ['{"Basics:1": "2"}', '{"Basics:1": null}', '{"Basics:1": -5}', '{"Basics:1": 1.5}', "folder", "file"]
)
def test_hint_levels_kept_in_an_odd_state_start_again_at_level_1(repo, sh, state):
    """.workshop/hints.json edited by hand, made a folder, or .workshop a file."""
    workshop = repo / ".workshop"
    if state == "file":
        workshop.write_text("not a folder\n")
    elif state == "folder":
        (workshop / "hints.json").mkdir(parents=True)
    else:
        workshop.mkdir()
        (workshop / "hints.json").write_text(state)
    result = sh("make hint", repo)
    assert result.returncode == 0 and "Traceback" not in result.stdout, result.stdout
    assert headers(result.stdout)[0].startswith("Hint 1 of 3 for Basics/main.py:"), result.stdout
    if state in ("file", "folder"):  # nothing can be kept: asking again would show level 1 again
        assert "make hint LEVEL=2 for more (level 3 is the answer)" in result.stdout, result.stdout
        assert "(.workshop/hints.json cannot be written, so the levels you have seen are not kept.)" in result.stdout


def test_hint_levels_that_cannot_be_written_name_the_next_level(repo, sh, immutable):
    """.workshop/hints.json of root's (sudo make hint): readable, never written.
    make hint would show the same level every time, saying "again for more"."""
    (repo / ".workshop").mkdir()
    (repo / ".workshop" / "hints.json").write_text('{"Basics:1": 1}\n')
    immutable(repo / ".workshop" / "hints.json")
    for _ in range(2):
        result = sh("make hint", repo)
        assert headers(result.stdout)[0].startswith("Hint 2 of 3 for Basics/main.py:"), result.stdout
        assert "make hint LEVEL=3 for more (level 3 is the answer)" in result.stdout, result.stdout
    assert "the levels you have seen are not kept" in result.stdout, result.stdout
