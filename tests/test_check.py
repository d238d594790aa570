"""`make check` under real-world conditions: attendee code that never ends,
prints without end, writes next to itself, or is broken in the ways people
break it; and what the checker says, in the attendee's terms. Each test
plants the situation in a fresh copy of the repo (a git checkout of its own:
the `repo` fixture of conftest.py) and runs the checker the way a user does."""

import os
import py_compile
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tools import check
from tools import luigid as luigid_tool
from tools.blanks import answer, todos, with_blank
from tools.chapters import CHAPTERS, SOLUTIONS, command_env, find

BASICS, CREATE, DEPENDENCIES, VISUALIZATION, EXTENSIONS = (
    find(name) for name in ("Basics", "CreateOutput", "Dependencies", "Visualization", "Extensions")
)
LIMIT = 4  # seconds: a time limit for the tests that plant code that never ends


def solution(chapter):
    return (chapter.folder(SOLUTIONS) / "main.py").read_text()


def plant(repo, chapter, old=None, new=None, text=None):
    """Write the chapter's main.py: its solution with `old` replaced by `new`
    (old must be there), or the given text. Returns the 1-based line of `new`."""
    if text is None:
        text = solution(chapter)
        assert old in text, f"{old!r} is not in the solution of {chapter.name} any more: update this test"
        text = text.replace(old, new, 1)
    (chapter.folder(repo) / "main.py").write_text(text)
    return text[: text.find(new)].count("\n") + 1 if new else None


def status(repo):
    """Every file that git sees as changed, new, or ignored."""
    listed = ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"]
    return sorted(subprocess.run(listed, cwd=repo, capture_output=True, text=True).stdout.splitlines())


# Never hangs ------------------------------------------------------------------

LOOPS = {
    "in run()": ('        print("Hello World")', "        while True:\n            time.sleep(1)  # the loop"),
    "at import": ("import luigi\n", "import luigi\n\nwhile True:\n    pass  # the loop\n"),
}


@pytest.mark.parametrize("where", LOOPS)
def test_code_that_never_ends_is_stopped_at_the_time_limit(repo, sh, tmp_path, where, processes_mentioning):
    old, new = LOOPS[where]
    plant(repo, BASICS, old, new)
    main = BASICS.folder(repo) / "main.py"
    main.write_text("import time\n" + main.read_text())
    loop = [n for n, line in enumerate(main.read_text().splitlines(), 1) if "# the loop" in line][0]
    started = time.monotonic()
    result = sh(f"python -m tools.check Basics --time-limit {LIMIT}", repo)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stdout
    assert took < LIMIT + check.GRACE + 15, f"the check took {took:.0f} s with a time limit of {LIMIT} s"
    assert f"Basics/main.py did not finish within {LIMIT} s (while checking TODO 1)" in result.stdout, result.stdout
    assert re.search(rf"It was at Basics/main.py:({loop - 1}|{loop})", result.stdout), result.stdout
    assert "a loop that never ends" in result.stdout
    assert not processes_mentioning(str(tmp_path)), "the check left processes running"


def test_the_time_limit_stops_the_luigid_of_a_test_too(repo, sh, tmp_path, processes_mentioning):
    """Chapter 6's documented command runs on a luigid of the test's own: a
    Report.run() that never ends must not leave that luigid behind."""
    plant(
        repo,
        VISUALIZATION,
        "    def run(self):\n",
        "    def run(self):\n        while True:\n            time.sleep(1)\n",
    )
    limit = 12  # the tests before the documented command take about 2 s
    result = sh(f"python -m tools.check Visualization --time-limit {limit}", repo)
    assert result.returncode == 1, result.stdout
    assert f"did not finish within {limit} s (while checking: documented command" in result.stdout, result.stdout
    assert not processes_mentioning(str(tmp_path)), "the check left processes running (luigid?)"


@pytest.mark.parametrize(
    "stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["Ctrl-C", "terminate", "terminal-closed"]
)
@pytest.mark.parametrize("tool", ["check", "hint"])
def test_stopping_the_checker_stops_its_tests(repo, tmp_path, tool, stop, processes_mentioning):
    """The tests run in a session of their own, out of reach of the terminal's
    Ctrl-C and of `make watch`'s terminate(): the checker, or make hint that
    calls failing_blanks, stops them."""
    plant(repo, BASICS, '        print("Hello World")', "        while True:\n            pass")
    checker = subprocess.Popen(
        [sys.executable, "-m", f"tools.{tool}", "Basics"],
        cwd=repo,
        env=command_env(tmp_path / "tmp"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not list((tmp_path / "tmp").glob("check-*/output.txt")) and time.monotonic() < deadline:
        time.sleep(0.1)  # until the checker starts the tests (its own signal handlers are set by then)
    time.sleep(1)
    checker.send_signal(stop)
    output = checker.communicate(timeout=check.GRACE + 10)[0]
    assert checker.returncode != 0, output
    if tool == "check":
        assert checker.returncode == 130 and "Stopped." in output, output
    assert not processes_mentioning(str(tmp_path)), f"{stop.name} left processes running"


# A short report ---------------------------------------------------------------


def test_a_greeting_printed_when_the_file_is_imported_is_not_what_run_prints(repo, sh):
    plant(repo, BASICS, text='print("Hello World")\n' + solution(BASICS).replace('print("Hello World")', "pass"))
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0 and "Hello.run() should print the line" in result.stdout, result.stdout


def test_a_flood_of_output_makes_a_short_report(repo, sh):
    # 3 MB a run: fifty times a pipe's buffer, a thousand times the report's size.
    plant(repo, BASICS, 'print("Hello World")', 'for n in range(10_000):\n            print(f"line {n}", "x" * 300)')
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0
    assert len(result.stdout) < 4000, f"the report has {len(result.stdout):,} characters"
    assert max(len(line) for line in result.stdout.splitlines()) <= 200
    assert "line 0 xxx" in result.stdout and "line 9999 xxx" in result.stdout, "show the beginning and the end"


# A copy, never the chapter folder -----------------------------------------------


def test_check_runs_a_copy_of_the_chapter_folder(repo, sh):
    """An output path built from __file__ points next to main.py: into the copy, not into CreateOutput/."""
    plant(
        repo,
        CREATE,
        'luigi.LocalTarget("hello_world.txt")',
        'luigi.LocalTarget(str(Path(__file__).parent / "hello_world.txt"))',
    )
    main = CREATE.folder(repo) / "main.py"
    main.write_text("from pathlib import Path\n" + main.read_text())
    before = status(repo)
    result = sh("make check CHAPTER=CreateOutput", repo)
    assert result.returncode != 0, result.stdout
    assert status(repo) == before == [f" M {CREATE.name}/main.py"]
    assert not list(repo.glob("**/__pycache__")), "check must not leave bytecode in the repo"
    assert "/tmp" not in result.stdout and "check-" not in result.stdout, "paths of the copy shown as the attendee's"


def test_settings_of_the_attendees_shell_for_other_projects_do_not_reach_the_checks(repo, sh, tmp_path):
    """Options or plugins for pytest that the checks do not load, warnings
    made errors (luigi warns in Basics), another luigi first on PYTHONPATH,
    a luigi setting: each would fail a right answer (make doctor names them)."""
    plant(repo, BASICS, text=solution(BASICS))
    other = tmp_path / "other-project"
    (other / "luigi").mkdir(parents=True)
    (other / "luigi" / "__init__.py").write_text("raise ImportError('luigi 2.8 of another project')\n")
    settings = {"PYTEST_ADDOPTS": "-n auto --cov=src", "PYTEST_PLUGINS": "other_plugin", "PYTHONWARNINGS": "error"}
    result = sh("make check CHAPTER=Basics", repo, PYTHONPATH=str(other), LUIGI_CONFIG_PARSER="toml", **settings)
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout


def test_a_proxy_of_the_attendees_shell_does_not_fail_chapter_6(repo, sh):
    """http_proxy set and no no_proxy (a corporate laptop): the checks reach
    their own luigid directly; make doctor and main.py itself name the proxy."""
    plant(repo, VISUALIZATION, text=solution(VISUALIZATION))
    proxy = f"http://127.0.0.1:{luigid_tool.free_port()}"
    result = sh("make check CHAPTER=Visualization", repo, http_proxy=proxy, no_proxy=None, NO_PROXY=None)
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout


def test_the_digest_of_a_pass_covers_what_luigi_reads_outside_the_chapter(tmp_path, monkeypatch):
    """make hint and make watch trust a pass with the same digest: a luigi
    configuration of the machine's, or a setting of the environment, changes it."""
    copy = BASICS.copy(SOLUTIONS, tmp_path / "Basics")
    machine = tmp_path / "etc-luigi.cfg"
    monkeypatch.setattr(check, "SYSTEM_CONFIGS", (machine,))
    seen = {check.digest(BASICS, copy)}
    machine.write_text("[worker]\nkeep_alive = true\n")
    seen.add(check.digest(BASICS, copy))
    monkeypatch.setenv("LC_ALL", "C")
    seen.add(check.digest(BASICS, copy))
    assert len(seen) == 3 and check.digest(BASICS, copy) in seen, "the same files and settings: the same digest"


# Messages in the attendee's terms ---------------------------------------------------


def test_a_call_outside_the_main_guard_is_named(repo, sh):
    plant(repo, BASICS, 'if __name__ == "__main__":', "if True:  # always")
    lines = (BASICS.folder(repo) / "main.py").read_text().splitlines()
    line = [n for n, text in enumerate(lines, 1) if "run_with_retcodes(" in text][0]
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0
    assert f"Basics/main.py:{line} runs luigi as soon as the file is imported" in result.stdout, result.stdout
    assert 'Put it under `if __name__ == "__main__":`' in result.stdout
    assert "No task" not in result.stdout


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("luigi.py", "the luigi package"),
        ("luigi/__init__.py", "the luigi package"),
        ("random.py", "the module random, which main.py imports (or luigi does)"),
        ("luigi.pyc", "the luigi package"),
    ],
)
def test_a_file_with_the_name_of_a_module_is_named(repo, sh, name, what):
    """A scratch luigi.py (or random.py) next to main.py: `import luigi` imports
    it, and every TODO seems to fail. Say which file, and what to do."""
    plant(repo, BASICS, text=solution(BASICS))
    planted = BASICS.folder(repo) / name
    planted.parent.mkdir(exist_ok=True)
    if name.endswith(".pyc"):  # Python imports a luigi.pyc alone, too
        source = planted.with_name("scratch.py")
        source.write_text("notes = 'trying things out'\n")
        py_compile.compile(str(source), cfile=str(planted))
        source.unlink()
    else:
        planted.write_text("notes = 'trying things out'\n")
    shown = "Basics/luigi/" if name.endswith("__init__.py") else f"Basics/{name}"
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0
    assert f"{shown} has the name of {what}, so Python imports it instead" in result.stdout, result.stdout
    assert "(a file hides a module)" in result.stdout and "TODO" not in result.stdout, result.stdout
    assert f"Rename {shown.rstrip('/')}, then run: make check CHAPTER=Basics" in result.stdout


def test_a_file_of_the_attendees_that_hides_nothing_is_left_out_of_it(repo, sh):
    plant(repo, BASICS, text=solution(BASICS))
    # test: Python's own, which nothing here imports; time (built in), os and abc (loaded as
    # Python starts): found before main.py's folder is searched, so none of them is hidden.
    for name in ("notes.py", "test.py", "time.py", "os.py", "abc.py"):
        (BASICS.folder(repo) / name).write_text("import luigi  # trying things out\n")
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout
    plant(repo, BASICS, 'print("Hello World")', 'print("Hello Word")')
    result = sh("make check CHAPTER=Basics", repo)
    assert "TODO 1:" in result.stdout and "has the name of" not in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("empty", "Basics/main.py is empty. `make reset CHAPTER=Basics` brings back the exercise"),
        ("deleted", "Basics/main.py is missing. `make reset CHAPTER=Basics` brings back the exercise."),
    ],
)
def test_an_empty_or_deleted_main_py_is_named(repo, sh, how, message):
    main = BASICS.folder(repo) / "main.py"
    main.write_text("\n") if how == "empty" else main.unlink()
    for command in ("make check CHAPTER=Basics", "make check"):
        result = sh(command, repo)
        assert result.returncode != 0
        assert message in result.stdout, result.stdout
        assert "Traceback" not in result.stdout and "DID NOT WARN" not in result.stdout


def test_a_process_that_main_py_starts_in_a_session_of_its_own_is_stopped_too(repo, sh, tmp_path, processes_mentioning):
    """Out of reach of the process group that the checker stops: found by the
    TMPDIR that every process the tests start inherits."""
    quiet = "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL"  # holds no pipe of the command's
    daemon = f'subprocess.Popen(["sleep", "300"], start_new_session=True, {quiet})'
    plant(repo, BASICS, 'print("Hello World")', f'print("Hello World")\n        {daemon}')
    main = BASICS.folder(repo) / "main.py"
    main.write_text("import subprocess\n" + main.read_text())
    result = sh("make check CHAPTER=Basics", repo)
    assert "1 of 1 chapter done." in result.stdout, result.stdout
    left = [command for command in processes_mentioning(str(tmp_path)) if command.startswith("sleep")]
    assert left == [], "the checker should stop what main.py started"


def test_a_link_to_nothing_or_a_pipe_in_the_chapter_folder_is_left_out(repo, sh):
    """Emacs marks a buffer with unsaved changes with .#main.py, a link to a
    file that does not exist; the check could not copy the folder."""
    plant(repo, BASICS, text=solution(BASICS))
    (BASICS.folder(repo) / ".#main.py").symlink_to("attendee@laptop.4242:1764300000")
    os.mkfifo(BASICS.folder(repo) / "pipe")
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout


def test_wordcount_is_judged_on_its_week_whatever_else_data_holds(repo, sh):
    """The next day's text (which chapter 5's try-next asks for), notes, a
    Finder copy: a correct WordCount failed TODO 3, since the tests counted
    every *.txt in data/."""
    wordcount = find("WordCount")
    plant(repo, wordcount, text=solution(wordcount))
    data = wordcount.folder(repo) / "data"
    (data / "2026-11-09.txt").write_text("hello world\n")
    (data / "notes.txt").write_text("words I saw\n")
    shutil.copy(data / "2026-11-03.txt", data / "2026-11-03 copy.txt")
    result = sh("make check CHAPTER=WordCount", repo)
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout


def test_os_exit_in_run_does_not_pass(repo, sh):
    line = plant(repo, BASICS, 'print("Hello World")', 'print("Hello World")\n        os._exit(0)') + 1
    main = BASICS.folder(repo) / "main.py"
    main.write_text("import os\n" + main.read_text())
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0, result.stdout
    assert "0 of 1 chapter done." in result.stdout
    assert f"Basics/main.py:{line + 1} ends Python at once (os._exit)" in result.stdout, result.stdout


def test_output_that_is_no_utf_8_is_no_fault(repo, sh):
    """Bytes that are no UTF-8 (a Latin-1 é) failed TODO 2 with a UnicodeDecodeError of the tests' own."""
    plant(repo, BASICS, 'print("Hello World")', 'print("Hello World")\n        sys.stdout.buffer.write(b"caf\\xe9\\n")')
    main = BASICS.folder(repo) / "main.py"
    main.write_text("import sys\n" + main.read_text())
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout


def test_printed_junk_reaches_the_report_without_control_characters(repo, sh):
    junk = 'sys.stdout.buffer.write(bytes(range(256)) * 8); print("Hello Word")'
    plant(repo, BASICS, 'print("Hello World")', junk)
    main = BASICS.folder(repo) / "main.py"
    main.write_text("import sys\n" + main.read_text())
    result = subprocess.run(
        "make check CHAPTER=Basics", shell=True, cwd=repo, env=command_env(repo.parent / "tmp"), capture_output=True
    )
    assert b"TODO 1:" in result.stdout, result.stdout
    assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", result.stdout), "no control character (ESC...) from main.py"


def test_keyboard_interrupt_raised_in_run_does_not_pass(repo, sh):
    """pytest takes a KeyboardInterrupt for a Ctrl-C and ends early, but as if
    it had finished: without a word, the chapter passed."""
    line = plant(repo, BASICS, 'print("Hello World")', 'print("Hello World")\n        raise KeyboardInterrupt') + 1
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0, result.stdout
    assert "0 of 1 chapter done." in result.stdout and "(stopped early)" in result.stdout
    assert f"Basics/main.py:{line}, in run(), raises KeyboardInterrupt:" in result.stdout, result.stdout
    assert "That stops Python as a Ctrl-C does, so the checks stopped (while checking TODO 1)." in result.stdout


def test_a_syntax_error_shows_its_line_and_python_s_message(repo, sh):
    line = plant(repo, BASICS, 'print("Hello World")', 'print("Hello World"')
    source = (BASICS.folder(repo) / "main.py").read_text()
    with pytest.raises(SyntaxError) as error:
        compile(source, "main.py", "exec")
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode != 0
    assert f"Basics/main.py:{error.value.lineno}: {error.value.msg}" in result.stdout, result.stdout
    assert 'print("Hello World"' in result.stdout
    assert error.value.lineno == line
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize(
    ("before", "line", "encoding"),
    [
        # A BOM, and the error on line 1: Python, reading the file itself, would count the BOM in.
        ("x = = 1\n", 'print("Hello World")', "utf-8-sig"),
        ("", 'print("Hello World" 1)   ', "utf-8"),  # spaces at the end of the line
        ("# café\u2028 or \f, which are no line ends to Python\n", 'print("Hello World" 1)', "utf-8"),
    ],
    ids=["bom", "trailing-spaces", "unicode-line-separator"],
)
def test_a_syntax_error_is_pointed_at_where_python_points(repo, sh, before, line, encoding):
    exercise = (BASICS.folder(repo) / "main.py").read_text()
    placeholder = [x for x in exercise.splitlines() if 'NotImplementedError("TODO 1' in x][0]
    text = before + exercise.replace(placeholder.strip(), line, 1)
    (BASICS.folder(repo) / "main.py").write_text(text, encoding=encoding)
    with pytest.raises(SyntaxError) as error:
        compile(text, "<text>", "exec")
    shown = text.split("\n")[error.value.lineno - 1].rstrip()
    assert shown.strip() in {before.strip(), line.strip()}, "the planted error"
    result = sh("make check CHAPTER=Basics", repo).stdout
    lines = result.splitlines()
    at = lines.index(next(x for x in lines if x.endswith(f"{error.value.lineno} | {shown}")))
    column = lines[at].index(" | ") + 3 + error.value.offset - 1  # where Python points, in the line as shown
    assert lines[at + 1] == " " * column + "^", result


def test_a_tab_among_spaces_is_shown_and_the_file_is_to_fix(repo, sh):
    exercise = (BASICS.folder(repo) / "main.py").read_text()
    placeholder = [x for x in exercise.splitlines() if 'NotImplementedError("TODO 1' in x][0]
    plant(repo, BASICS, text=exercise.replace(placeholder, '\tprint("Hello World")', 1))
    with pytest.raises(TabError) as error:
        compile((BASICS.folder(repo) / "main.py").read_text(), "main.py", "exec")
    result = sh("make check CHAPTER=Basics", repo).stdout
    assert f'{error.value.lineno} | →   print("Hello World")' in result, "the tab, shown as an arrow"
    assert f"Line {error.value.lineno} or line " in result and "indent with spaces only" in result, result
    assert "not yet (a syntax error; 1 TODO open)" in result
    assert "\nFix Basics/main.py, then run: make check CHAPTER=Basics" in result


def test_an_answer_pasted_at_the_wrong_indent_is_shown_with_the_line_python_names(repo, sh):
    """Python names the first line it cannot place: here the placeholder of the
    next blank, after an answer pasted at the left margin of a class body."""
    params = find("Parameters")
    exercise = (params.folder(repo) / "main.py").read_text()
    pasted = answer(solution(params), 1).splitlines()[0]  # at column 0
    placeholder = [line for line in exercise.splitlines() if 'NotImplementedError("TODO 1' in line][0]
    plant(repo, params, text=exercise.replace(placeholder, pasted, 1))
    with pytest.raises(IndentationError) as error:
        compile((params.folder(repo) / "main.py").read_text(), "main.py", "exec")
    at = exercise.splitlines().index(placeholder) + 1
    assert error.value.lineno > at, "Python blames a later line"
    result = sh("make check CHAPTER=Parameters", repo)
    assert f"Parameters/main.py:{error.value.lineno}: unexpected indent" in result.stdout, result.stdout
    assert f"{at:>3} | {pasted}\n" in result.stdout, "the pasted line, at the margin where it is"
    assert f"Line {error.value.lineno} is indented more than line {at}, the code above it" in result.stdout
    hint = sh("make hint CHAPTER=Parameters", repo)
    assert hint.stdout.startswith("Parameters is not right yet: Parameters/main.py:"), "not a hint for TODO 2"
    assert "Hint " not in hint.stdout and f"Line {error.value.lineno} is indented more" in hint.stdout


# Coaching ---------------------------------------------------------------------------


def test_a_passing_chapter_says_what_is_next(repo, sh):
    shutil.copy(BASICS.folder(SOLUTIONS) / "main.py", BASICS.folder(repo) / "main.py")
    result = sh("make check CHAPTER=Basics", repo)
    assert result.returncode == 0, result.stdout
    assert "Next: chapter 2, CreateOutput. Fill in CreateOutput/main.py, then run: make check CHAPTER=CreateOutput" in (
        result.stdout
    )
    fifth, sixth = CHAPTERS[-3], CHAPTERS[-2]  # a self-learner's: the sixth filled in ahead is not next
    for chapter in (fifth, sixth):
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(repo) / "main.py")
    result = sh(f"make check CHAPTER={fifth.name}", repo)
    assert f"Next: chapter {CHAPTERS[-1].number}, {CHAPTERS[-1].name}." in result.stdout, result.stdout
    last = CHAPTERS[-1]
    shutil.copy(last.folder(SOLUTIONS) / "main.py", last.folder(repo) / "main.py")
    result = sh(f"make check CHAPTER={last.name}", repo)
    assert result.returncode == 0, result.stdout
    still_open = ", ".join(c.name for c in CHAPTERS[1:-3])
    assert f"That was the last chapter. Still open: {still_open}" in result.stdout, result.stdout
    result = sh(f"make check CHAPTER={sixth.name}", repo)
    assert f"The chapters after it have no open blank. Still open: {still_open}" in result.stdout, result.stdout
    for chapter in CHAPTERS:
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(repo) / "main.py")
    result = sh(f"make check CHAPTER={last.name}", repo)
    assert "That was the last chapter: all done!" in result.stdout, result.stdout


def test_a_misspelt_method_of_luigis_is_named(repo, sh):
    """def require(self): luigi never calls it, and the message about requires() seems to contradict the code."""
    line = plant(repo, DEPENDENCIES, "def requires(self):", "def require(self):")
    result = sh("make check CHAPTER=Dependencies", repo)
    said = f"TopSongs has no requires() of its own, but a require() (line {line}): luigi calls requires() by that"
    assert said in result.stdout, result.stdout
    assert "TODO 3:" in result.stdout, "what needs the input fails too"
    assert "tip: start with TODO 2: what fails after it may follow from it." in result.stdout, result.stdout
    plant(repo, BASICS, "    def run(self):", "    def rnu(self):")
    result = sh("make check CHAPTER=Basics", repo)
    assert "Hello has no run() of its own, but a rnu() (line" in result.stdout, result.stdout
    assert check.misnamed("class TopSongs:\n    def requires(self): pass\n", "TopSongs.requires() should") == ""
    assert check.misnamed("class TopSongs:\n    def top(self): pass\n", "TopSongs.requires() should") == ""


def test_a_file_written_with_open_in_a_folder_not_made_yet_is_explained(repo, sh):
    """open() for writing makes no folder, where the target's .open("w") would have."""
    line = plant(
        repo, EXTENSIONS, 'with self.output().open("w") as plays:', 'with open(self.output().path, "w") as plays:'
    )
    result = sh("make check CHAPTER=Extensions", repo)
    said = f"Extensions/main.py:{line}: there is no folder output/Plays to write in: open() makes none, self.output()"
    assert said in result.stdout, result.stdout
    assert "LuigiStatusCode" not in result.stdout and "luigi: 1 failed: Plays(" in result.stdout, result.stdout


def test_a_method_or_parameter_used_without_self_is_named_with_self(repo, sh):
    line = plant(repo, CREATE, 'with self.output().open("w")', 'with output().open("w")')
    result = sh("make check CHAPTER=CreateOutput", repo)
    said = f"CreateOutput/main.py:{line}: output is not defined here: in a method, the task's own is self.output"
    assert said in result.stdout, result.stdout


def test_every_failing_blank_is_reported_once(repo, sh):
    """Wrong answers to blanks 1 and 4 of Dependencies: a line for each, by its number."""
    text = solution(DEPENDENCIES)
    for number, wrong in [
        (1, 'tld = luigi.Parameter(description="The country")'),
        (4, "ranking = sorted(totals.items(), key=lambda item: -item[1])"),
    ]:
        text = text.replace(answer(text, number).strip(), wrong, 1)
    plant(repo, DEPENDENCIES, text=text)
    result = sh("make check CHAPTER=Dependencies", repo)
    assert result.returncode != 0
    told = [line.split(":")[0].strip() for line in result.stdout.splitlines() if line.strip().startswith("TODO")]
    assert told == ["TODO 1", "TODO 4"], result.stdout
    assert "TODO 1: tld should be a luigi.ChoiceParameter, not a luigi.Parameter" in result.stdout
    assert "TODO 4: top-rs.file should list" in result.stdout


def test_an_open_blank_and_a_wrong_one_are_both_named(repo, sh):
    """Blank 1 answered wrongly, blank 2 still open: the wrong answer, then what to fill in next."""
    text = with_blank(solution(BASICS), 2).replace('print("Hello World")', 'print("Hello, World")')
    plant(repo, BASICS, text=text)
    todo = [t for t in todos(text) if t.number == 2][0]
    result = sh("make check CHAPTER=Basics", repo)
    assert "not yet (1 TODO open)" in result.stdout, result.stdout
    assert (
        "TODO 1: Hello.run() should print the line 'Hello World'; it printed:\n         Hello, World\n" in result.stdout
    )
    assert f"next: Basics/main.py:{todo.line}: TODO 2: {todo.text}" in result.stdout


def test_messages_never_show_internal_names(repo, sh):
    plant(repo, DEPENDENCIES, "return Producer()", "return Producer")
    result = sh("make check CHAPTER=Dependencies", repo)
    assert "TODO 2: TopSongs.requires() should return Producer(), not the class Producer" in result.stdout, (
        result.stdout
    )
    assert not re.search(r"chapter_\w+_\d+|<class '", result.stdout), result.stdout


def test_an_exception_is_shown_at_its_line_with_a_plain_cause(repo, sh):
    line = plant(
        repo, CREATE, 'with self.output().open("w") as greeting:', 'with open(self.output(), "w") as greeting:'
    )
    result = sh("make check CHAPTER=CreateOutput", repo)
    assert result.returncode != 0
    assert f"CreateOutput/main.py:{line}: a LocalTarget is not a path: use its .open()" in result.stdout, result.stdout
    assert 'with open(self.output(), "w") as greeting:' in result.stdout


def test_exists_returning_a_cursor_is_named(repo, sh):
    """luigi takes any cursor for True (Task.complete() is all(exists() of each
    output)), so nothing raises: the check of TODO 3 says what is wrong."""
    plant(repo, EXTENSIONS, ").fetchone() is not None", ")")
    result = sh("make check CHAPTER=Extensions", repo)
    assert result.returncode != 0
    assert "TODO 3: exists() must return True or False, not a cursor" in result.stdout, result.stdout


# failing_blanks, for make hint and make watch --------------------------------------------


def test_failing_blanks_names_open_and_failing_blanks(tmp_path, monkeypatch):
    monkeypatch.setattr(check, "PASSED", tmp_path / "passed.json")  # not this repo's own record
    tree = tmp_path / "tree"
    for chapter in (BASICS, CREATE):
        chapter.copy(SOLUTIONS, tree / chapter.name)
    assert check.failing_blanks(BASICS, tree) == {}
    text = with_blank(solution(BASICS), 2).replace('print("Hello World")', 'print("Hello, World")')
    (BASICS.folder(tree) / "main.py").write_text(text)
    todo = [t for t in todos(text) if t.number == 2][0]
    found = check.failing_blanks("Basics", tree)
    assert list(found) == [1, 2], found
    assert found[1] == "Hello.run() should print the line 'Hello World'; it printed:\nHello, World"
    assert (
        found[2]
        == f"TODO 2 is not filled in yet ({check.relative(BASICS.folder(tree) / 'main.py')}:{todo.line}): {todo.text}"
    )
    (CREATE.folder(tree) / "main.py").write_text(
        solution(CREATE).replace("import luigi\n", "import luigi\nwhile True:\n    pass\n", 1)
    )
    found = check.failing_blanks(CREATE, tree, time_limit=2)
    assert list(found) == [0] and "did not finish within 2 s" in found[0], found
