"""`make check`: what it says, and that it never hangs nor writes where it should not.

Its wording is tested at the cheapest level that shows it: reading main.py,
the report and the cut-short messages in this process; what the tests say
of planted mistakes through the judge, every case of a chapter in one run;
the rest (time limits, stops, a file that hides a module, a full disk) with
the command as a user runs it, once each."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from judge import judge

from tools.attendee.check import cache, explain, host, report, run
from tools.attendee.check.read import read
from tools.blanks import answer, open_todos, todos, with_blank
from tools.chapters import CHAPTERS, find
from tools.paths import SOLUTIONS

BASICS, CREATE, PARAMETERS, DEPENDENCIES, EXTENSIONS = map(
    find, ["Basics", "CreateOutput", "Parameters", "Dependencies", "Extensions"]
)


def solution(chapter):
    return (chapter.folder(SOLUTIONS) / "main.py").read_text()


def planted(chapter, old, new, before=""):
    """The chapter's solution with old replaced by new (old must be there), and before prepended."""
    text = solution(chapter)
    assert old in text, f"{old!r} is not in the solution of {chapter.name} any more: update this test"
    return before + text.replace(old, new, 1)


def line_of(text, piece):
    return text[: text.index(piece)].count("\n") + 1


# What main.py looks like before anything runs -------------------------------------------------


def test_a_main_py_that_cannot_be_read_is_said_in_words(tmp_path):
    folder = BASICS.copy(SOLUTIONS, tmp_path / "Basics")
    main = folder / "main.py"
    cases = {
        "empty": (lambda: main.write_text("\n"), "is empty. `make reset CHAPTER=Basics` brings back the exercise"),
        "missing": (main.unlink, "is missing. `make reset CHAPTER=Basics` brings back the exercise."),
        "a folder": (main.mkdir, "is a folder: rename it, then run make reset CHAPTER=Basics."),
        "a named pipe": (lambda: os.mkfifo(main), "is not a plain file: rename it"),  # opening it would block
        "a link to itself": (lambda: main.symlink_to(main), "main.py: Too many levels of symbolic links"),
        "not UTF-8": (lambda: main.write_bytes(b"print('caf\xe9')\n"), "is not UTF-8 text (byte 10)"),
        "too deep": (lambda: main.write_text("x = " + "1 + " * 100_000 + "1\n"), "too long or too deeply nested"),
    }
    for name, (make, said) in cases.items():
        if main.is_dir() and not main.is_symlink():
            main.rmdir()
        main.unlink(missing_ok=True)
        if name in ("empty", "missing", "not UTF-8"):
            main.write_text(solution(BASICS))
        make()
        text, problem, _ = read(main, BASICS)
        assert problem and said in problem, (name, problem)
    main.unlink()
    main.write_bytes(b"\xef\xbb\xbf" + solution(BASICS).encode())  # a BOM, as some editors write
    assert read(main, BASICS)[1] is None


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
def test_a_syntax_error_is_shown_where_python_points(tmp_path, before, line, encoding):
    exercise = (BASICS.folder() / "main.py").read_text()
    text = before + exercise.replace('raise NotImplementedError("TODO 1")', line, 1)
    main = tmp_path / "Basics" / "main.py"
    main.parent.mkdir()
    main.write_text(text, encoding=encoding)
    with pytest.raises(SyntaxError) as error:
        compile(text, "<text>", "exec")
    problem = read(main, BASICS)[1]
    shown = text.split("\n")[error.value.lineno - 1].rstrip()
    lines = problem.splitlines()
    assert f":{error.value.lineno}: {error.value.msg} (a syntax error" in lines[0], problem
    at = next(n for n, x in enumerate(lines) if x.endswith(f"{error.value.lineno} | {shown}"))
    assert lines[at + 1] == " " * (lines[at].index(" | ") + 3 + error.value.offset - 1) + "^", problem


def test_a_tab_among_spaces_and_an_answer_pasted_at_the_margin_are_shown(tmp_path):
    exercise = (BASICS.folder() / "main.py").read_text()
    main = tmp_path / "Basics" / "main.py"
    main.parent.mkdir()
    main.write_text(exercise.replace('        raise NotImplementedError("TODO 1")', '\tprint("Hello World")', 1))
    problem = read(main, BASICS)[1]
    assert '| →   print("Hello World")' in problem and "indent with spaces only" in problem, problem
    params = (PARAMETERS.folder() / "main.py").read_text()
    pasted = answer(solution(PARAMETERS), 1).splitlines()[0]  # at the left margin of the class body
    main.write_text(params.replace('    raise NotImplementedError("TODO 1")', pasted, 1))
    problem = read(main, PARAMETERS)[1]
    at = line_of(params, 'raise NotImplementedError("TODO 1")')
    assert f"{at:>3} | {pasted}\n" in problem and "indent what you wrote like the lines around its TODO" in problem


# The report -------------------------------------------------------------------------------------


def outcome(chapter, problems=None, todos_open=(), stopped="", machine=""):
    text = with_blank(solution(chapter), 2) if todos_open else solution(chapter)
    found = run.Outcome(chapter, chapter.folder() / "main.py", open_todos(text) if todos_open else [], {}, stopped)
    found.problems, found.machine = dict(problems or {}), machine
    return found


def test_the_report_names_each_failing_blank_once_and_what_is_next(capsys):
    wrong = "top-rs.file lists the songs by total..."
    first = outcome(DEPENDENCIES, {1: "tld should refuse xx", 4: wrong, 0: wrong})
    code = report.report(iter([first]), DEPENDENCIES.folder().parent, checked_all=False)
    out = capsys.readouterr().out
    assert code == 1 and re.findall(r"^ +(TODO \d|also|tip)", out, re.M) == ["TODO 1", "TODO 4", "also", "tip"], out
    assert "also: the same as TODO 4" in out and "tip: start with TODO 1" in out
    assert "Fix Dependencies/main.py, then run: make check CHAPTER=Dependencies" in out
    open_too = outcome(BASICS, {1: "Hello.run() should print", 2: "TODO 2 is not filled in yet (...)"}, todos_open=True)
    report.report(iter([open_too]), BASICS.folder().parent, checked_all=False)
    out = capsys.readouterr().out
    todo = [t for t in open_todos(with_blank(solution(BASICS), 2))][0]
    assert "not yet (1 TODO open)" in out and f"next: Basics/main.py:{todo.line}: TODO 2: {todo.text}" in out, out


def test_a_problem_of_the_machine_is_not_the_attendees(capsys):
    full = outcome(BASICS, machine="the check could not copy Basics/: the disk is full.")
    assert report.report(iter([full]), BASICS.folder().parent, checked_all=False) == 1
    out = capsys.readouterr().out
    assert "not checked: see below" in out and "This is not your code: the check could not copy" in out, out
    assert "Fix Basics" not in out and "make doctor" in out


def test_after_a_chapter_passes_the_next_open_one_is_named(tmp_path):
    tree = tmp_path / "tree"
    for chapter in CHAPTERS:
        chapter.copy(SOLUTIONS, tree / chapter.name)
        (chapter.folder(tree) / "main.py").write_text((chapter.folder() / "main.py").read_text())
    first, fifth, sixth, last = CHAPTERS[0], CHAPTERS[4], CHAPTERS[5], CHAPTERS[-1]
    solve = [first, fifth, sixth]
    for chapter in solve:
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(tree) / "main.py")
    said = report.what_next(first, tree)
    assert said.startswith(f"Next: chapter 2, {CHAPTERS[1].name}. Fill in "), said
    assert report.what_next(fifth, tree).startswith(f"Next: chapter 7, {CHAPTERS[6].name}.")  # the sixth is done
    for chapter in CHAPTERS[6:]:
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(tree) / "main.py")
    still_open = ", ".join(c.name for c in CHAPTERS[1:4])
    assert report.what_next(last, tree).endswith(f"Still open: {still_open}; make check shows where you are.")
    for chapter in CHAPTERS:
        shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(tree) / "main.py")
    assert (
        report.what_next(last, tree)
        == "That was the last chapter: all done! `make check` checks every chapter once more."
    )


def test_a_check_cut_short_says_where_and_why():
    records = [
        {"event": "start", "test": "test_run_prints_hello_world", "blank": 1},
        {"event": "timeout", "where": "Basics/main.py:14, in run()", "source": "time.sleep(1)"},
    ]
    said = run.cut_short(BASICS, "Basics/main.py", "", records, True, None, "", 30)
    assert said.startswith("Basics/main.py did not finish within 30 s (while checking TODO 1).\n    It was at")
    assert "a loop that never ends" in said
    records = [
        records[0],
        {"event": "stopped", "where": "Basics/main.py:14, in run()", "source": "raise KeyboardInterrupt"},
    ]
    said = run.cut_short(BASICS, "Basics/main.py", "", records, False, 2, "", 30)
    assert "raises KeyboardInterrupt" in said and "the checks stopped (while checking TODO 1)" in said
    said = run.cut_short(BASICS, "Basics/main.py", "x\n    os._exit(0)\n", records[:1], False, 0, "", 30)
    assert said.startswith("Basics/main.py:2 ends Python at once (os._exit)")


def test_a_misspelt_method_of_luigis_is_named():
    text = "class TopSongs:\n    def require(self):\n        pass\n"
    assert "TopSongs has no requires() of its own, but a require() (line 2)" in explain.misnamed(
        text, "TopSongs.requires() should"
    )
    assert explain.misnamed("class TopSongs:\n    def requires(self): pass\n", "TopSongs.requires() should") == ""
    assert explain.misnamed("class TopSongs:\n    def top(self): pass\n", "TopSongs.requires() should") == ""


def test_the_digest_of_a_pass_covers_what_luigi_reads_outside_the_chapter(tmp_path, monkeypatch):
    """make hint and make watch trust a pass with the same digest: a luigi configuration of the
    machine's, or a setting of the environment, changes it; any file name does not break it."""
    copy = BASICS.copy(SOLUTIONS, tmp_path / "Basics")
    (copy / os.fsdecode(b"notes-\xfc.txt")).write_text("a name that is no UTF-8\n")
    machine = tmp_path / "etc-luigi.cfg"
    monkeypatch.setattr(cache, "SYSTEM_CONFIGS", (machine,))
    seen = {cache.digest(BASICS, copy)}
    machine.write_text("[worker]\nkeep_alive = true\n")
    seen.add(cache.digest(BASICS, copy))
    monkeypatch.setenv("LC_ALL", "C")
    seen.add(cache.digest(BASICS, copy))
    assert None not in seen and len(seen) == 3 and cache.digest(BASICS, copy) in seen


# What the tests say of planted mistakes: one judge run per chapter ------------------------------

# (chapter, old, new, what the check must say); {line} is the line of new, a line before the first word.
DIAGNOSES = {
    "greeting printed at import": (
        BASICS,
        'print("Hello World")',
        "pass",
        "Hello.run() should print the line 'Hello World'; it printed nothing",
    ),
    "luigi run at import": (
        BASICS,
        'if __name__ == "__main__":',
        "if True:",
        "runs luigi as soon as the file is imported (here by the checker)",
    ),
    "self forgotten": (
        CREATE,
        'with self.output().open("w")',
        'with output().open("w")',
        "CreateOutput/main.py:{line}: output is not defined here: in a method, the task's own is self.output",
    ),
    "a target as a path": (
        CREATE,
        'with self.output().open("w") as greeting:',
        'with open(self.output(), "w") as greeting:',
        "CreateOutput/main.py:{line}: a LocalTarget is not a path: use its .open()",
    ),
    "open() in no folder": (
        EXTENSIONS,
        'with self.output().open("w") as plays:',
        'with open(self.output().path, "w") as plays:',
        "Extensions/main.py:{line}: there is no folder output/Plays to write in: open() makes none",
    ),
    "the class, not a task": (
        DEPENDENCIES,
        "return Producer()",
        "return Producer",
        "TopSongs.requires() should return Producer(), the task it needs, not the class Producer",
    ),
    "None from requires": (
        DEPENDENCIES,
        "        return Producer()",
        "        Producer()",
        "should return Producer(), the task it needs, not nothing (None)",
    ),
    "bytes that are no UTF-8": (
        BASICS,
        'print("Hello World")',
        'print("Hello World"); sys.stdout.buffer.write(b"caf\\xe9\\n")',
        "",
    ),
    "junk printed": (
        BASICS,
        'print("Hello World")',
        'sys.stdout.buffer.write(bytes(range(256)) * 8); print("Hello Word")',
        "Hello.run() should print the line 'Hello World'",
    ),
}


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory):
    found = {}
    for chapter in {case[0].name: case[0] for case in DIAGNOSES.values()}.values():
        cases = {name: planted(*case[:3]) for name, case in DIAGNOSES.items() if case[0] is chapter}
        variants = {f"case{i}": text for i, text in enumerate(cases.values())}
        verdicts = judge(chapter, variants, tmp_path_factory.mktemp(f"diagnoses-{chapter.name}"))
        found |= {name: (text, verdicts[f"case{i}"]) for i, (name, text) in enumerate(cases.items())}
    return found


@pytest.mark.parametrize("case", DIAGNOSES)
def test_a_planted_mistake_is_said_in_the_attendees_terms(case, diagnosed):
    chapter, _, new, said = DIAGNOSES[case]
    text, verdict = diagnosed[case]
    message = verdict.message()
    expected = said.format(line=line_of(text, new.strip()))
    if said:
        assert expected in message, f"{case}: {message}"
    else:
        assert verdict.problems == {}, f"{case} is no mistake: {message}"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]|<class '|Traceback", message), f"{case}: {message}"


# The command, as a user runs it --------------------------------------------------------------


def checked(sh, repo, chapter, text, *options):
    (chapter.folder(repo) / "main.py").write_text(text)
    return sh(f"{sys.executable} -m tools.attendee.check {' '.join(options)} -- {chapter.name}", repo)


@pytest.mark.parametrize("where", ["in run()", "at import"])
def test_code_that_never_ends_is_stopped_at_the_time_limit(repo, sh, left_running, where):
    """The limit lives in the test process itself: it holds even if the checker is killed (test_stops.py)."""
    loop = "while True:\n            time.sleep(0.1)  # the loop" if where == "in run()" else "pass"
    text = planted(BASICS, 'print("Hello World")', loop, before="import time\n")
    if where == "at import":
        text = text.replace("import luigi\n", "import luigi\n\nwhile True:\n    time.sleep(0.1)  # the loop\n", 1)
    result = checked(sh, repo, BASICS, text, "--time-limit", "3")
    loop_line = line_of(text, "time.sleep(0.1)  # the loop")
    assert result.returncode == 1 and "Basics/main.py did not finish within 3 s" in result.stdout, result.stdout
    assert re.search(rf"It was at Basics/main.py:({loop_line - 1}|{loop_line})", result.stdout), result.stdout
    assert left_running(repo) == [], "the check left processes running"


def test_a_flood_of_output_makes_a_short_report(repo, sh):
    flood = 'for n in range(10_000):\n            print(f"line {n}", "x" * 300)'  # 3 MB: fifty pipe buffers
    result = checked(sh, repo, BASICS, planted(BASICS, 'print("Hello World")', flood))
    assert result.returncode != 0 and len(result.stdout) < 4000, f"the report has {len(result.stdout):,} characters"
    assert max(len(line) for line in result.stdout.splitlines()) <= 200
    assert "line 0 xxx" in result.stdout and "line 9999 xxx" in result.stdout, "the beginning and the end"


@pytest.mark.parametrize(
    ("end", "said"),
    [
        ("os._exit(0)", "ends Python at once (os._exit), so the checks stopped"),
        ("raise KeyboardInterrupt", "in run(), raises KeyboardInterrupt:"),
    ],
)
def test_code_that_ends_the_tests_does_not_pass(repo, sh, end, said):
    text = planted(BASICS, 'print("Hello World")', f'print("Hello World")\n        {end}', before="import os\n")
    result = checked(sh, repo, BASICS, text)
    assert result.returncode == 1 and "0 of 1 chapter done." in result.stdout, result.stdout
    assert f"Basics/main.py:{line_of(text, end)}" in result.stdout and said in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("name", "what"),
    [("luigi.py", "the luigi package"), ("random.py", "the module random, which main.py imports (or luigi does)")],
)
def test_a_file_with_the_name_of_a_module_is_named(repo, sh, name, what):
    (BASICS.folder(repo) / name).write_text("notes = 'trying things out'\n")
    result = checked(sh, repo, BASICS, solution(BASICS))
    assert f"Basics/{name} has the name of {what}, so Python imports it instead" in result.stdout, result.stdout
    assert f"Rename Basics/{name}, then run: make check CHAPTER=Basics" in result.stdout
    (BASICS.folder(repo) / name).rename(BASICS.folder(repo) / "notes.py")  # a file that hides nothing
    assert checked(sh, repo, BASICS, solution(BASICS)).returncode == 0


def test_the_check_works_on_a_copy_whatever_the_folder_holds(repo, sh, git_status):
    """An output path from __file__ points into the copy; links to nothing, pipes,
    other days' data and the shell's settings for other projects do not matter."""
    text = planted(
        CREATE,
        'luigi.LocalTarget("hello_world.txt")',
        'luigi.LocalTarget(str(Path(__file__).parent / "hello_world.txt"))',
    )
    (CREATE.folder(repo) / "main.py").write_text("from pathlib import Path\n" + text)
    (CREATE.folder(repo) / ".#main.py").symlink_to("attendee@laptop.4242:1764300000")  # Emacs's lock: a link to nothing
    os.mkfifo(CREATE.folder(repo) / "pipe")
    before = git_status(repo)
    other = repo.parent / "other-project" / "luigi"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("raise ImportError('luigi 2.8 of another project')\n")
    settings = {
        "PYTEST_ADDOPTS": "-n auto",
        "PYTHONWARNINGS": "error",
        "LUIGI_CONFIG_PARSER": "toml",
        "PYTHONPATH": str(other.parent),
    }
    result = sh(
        f"{sys.executable} -m tools.attendee.check CreateOutput", repo, http_proxy="http://127.0.0.1:9", **settings
    )
    assert result.returncode == 0 and "1 of 1 chapter done." in result.stdout, result.stdout
    assert git_status(repo) == before and not list(repo.glob("*/__pycache__")), "nothing written into the repo"
    assert not (repo / ".workshop" / "scratch").exists() or not any((repo / ".workshop" / "scratch").iterdir())


def test_a_broken_venv_is_blamed_not_the_attendee(tmp_path):
    """A package that luigi needs uninstalled (tenacity, say): every chapter would fail, at no
    fault of main.py's. (The checker sets PYTHONPATH aside; here the test process is run without it.)"""
    broken = tmp_path / "broken" / "luigi"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'tenacity'\", name='tenacity')\n")
    copy = BASICS.copy(SOLUTIONS, tmp_path / "tree" / "Basics")
    results = tmp_path / "results.jsonl"
    host = [sys.executable, "-m", "tools.attendee.check.host", str(results), "Basics/main.py", "30", "--"]
    env = dict(os.environ, PYTHONPATH=str(broken.parent), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    command = [*host, str(BASICS.tests), f"--tree={copy.parent}", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    records = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    said = run.machine_problem(records, done.stdout + done.stderr, copy)
    assert said and "lacks the module tenacity" in said and "make setup" in said, done.stdout + done.stderr
    (copy / "tenacity.py").write_text("")  # an attendee's own tenacity.py is theirs to fix
    assert run.machine_problem(records, done.stdout + done.stderr, copy) is None


def test_a_full_disk_is_no_fault_of_the_attendees(repo, sh):
    scratch = repo / ".workshop" / "scratch"
    scratch.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(scratch)], capture_output=True)
    if mounted.returncode != 0:
        message = f"mounting a small tmpfs needs root: {mounted.stderr.decode().strip()}"
        pytest.fail(f"on CI, {message}") if os.environ.get("CI") else pytest.skip(message)
    try:
        result = checked(sh, repo, find("WordCount"), solution(find("WordCount")))
    finally:
        subprocess.run(["umount", str(scratch)], check=True)
    assert result.returncode == 1 and "This is not your code: the check could not copy WordCount/" in result.stdout, (
        result.stdout
    )
    assert "the disk is full" in result.stdout and "Fix WordCount" not in result.stdout


def test_failing_blanks_names_open_and_failing_blanks(tmp_path, monkeypatch):
    """For make hint and make watch."""
    from tools.attendee import check

    monkeypatch.setattr(cache, "PASSED", tmp_path / "passed.json")  # not this repo's own record
    tree = tmp_path / "tree"
    BASICS.copy(SOLUTIONS, tree / BASICS.name)
    assert check.failing_blanks(BASICS, tree) == {}
    text = with_blank(solution(BASICS), 2).replace('print("Hello World")', 'print("Hello, World")')
    (BASICS.folder(tree) / "main.py").write_text(text)
    todo = [t for t in todos(text) if t.number == 2][0]
    found = check.failing_blanks("Basics", tree)
    assert list(found) == [1, 2] and found[1].startswith("Hello.run() should print the line 'Hello World'")
    assert found[2].endswith(f"main.py:{todo.line}): {todo.text}")


@pytest.mark.parametrize("name", ["--tree=/etc", "--help"])
def test_a_chapter_value_with_a_dash_is_a_name_never_an_option(repo, sh, name):
    """make hint, reset and run: in their own modules."""
    result = sh(f"make check CHAPTER={name}", repo)
    assert result.returncode != 0 and f"there is no chapter '{name}'. The chapters are: Basics" in result.stdout, (
        result.stdout
    )


def test_a_terminal_that_cannot_show_an_arrow_gets_the_words_all_the_same(repo, sh):
    """In a locale whose encoding lacks "→" or "…" (en_US.ISO-8859-1, say; here Latin-1 named outright,
    as a C locale alone would make Python use UTF-8), the explanation shows "?" there, never a traceback."""
    main = BASICS.folder(repo) / "main.py"
    main.write_text(main.read_text().replace('        raise NotImplementedError("TODO 1")', '\tprint("Hello World")'))
    latin = {"LC_ALL": "C", "LANG": None, "PYTHONIOENCODING": "latin-1", "PYTHONUTF8": None}
    for command in ("make check CHAPTER=Basics", "make hint CHAPTER=Basics"):
        result = sh(command, repo, **latin)
        assert "indents with a tab (?) where the other uses spaces" in result.stdout, result.stdout
        assert "Traceback" not in result.stdout and "UnicodeEncodeError" not in result.stdout, result.stdout


def test_a_luigi_cfg_that_luigi_cannot_read_is_not_blamed_on_main_py(solved, sh):
    with open(solved / "luigi.cfg", "a") as config:
        config.write("[core\n")
    done = sh("make check CHAPTER=Basics", solved)
    assert "This is not your code: luigi cannot read luigi.cfg, which every chapter shares (line " in done.stdout
    assert "git checkout -- luigi.cfg" in done.stdout and "Fix Basics/main.py" not in done.stdout, done.stdout


def test_a_luigi_cfg_value_that_luigi_cannot_parse_is_named():
    said = explain.cause(
        "ValueError: retcode[args=(), kwargs={}]: Error when parsing the default value of 'task_failed'"
    )
    assert said.startswith("luigi.cfg's [retcode] task_failed is no value luigi can read") and "git checkout" in said


def test_a_check_holds_a_memory_limit_and_says_what_running_out_means():
    code = "from tools.attendee.check import host; import resource; host.limit_memory();"
    code += " print(resource.getrlimit(resource.RLIMIT_DATA)[0])"
    limited = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(limited.stdout) == host.MEMORY
    assert "a loop that keeps printing or growing" in explain.cause("MemoryError")


def test_the_venvs_python_is_not_sent_elsewhere_by_pythonhome(repo, sh):
    done = sh("make hint CHAPTER=Basics", repo, PYTHONHOME="/usr")
    assert done.returncode == 0 and "Traceback" not in done.stdout, done.stdout
