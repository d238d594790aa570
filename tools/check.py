"""`make check`: are the attendee's exercises right yet?

For each chapter, in workshop order, runs the chapter's quick tests on a copy
of the attendee's chapter folder (nothing is ever written into the chapter
folders), in a process of its own with a time limit, a few chapters at a time.
Prints a progress table; for the first chapter that is not done, it lists
what fails, one line per blank, in the attendee's terms. Exits 0 only when
every checked chapter passes.

    python -m tools.check [CHAPTER] [--tree DIR] [--time-limit SECONDS] [--trust-passed] [--focus CHAPTER]

Other tools (`make hint`, `make watch`) call failing_blanks(chapter).
"""

import argparse
import ast
import contextlib
import datetime
import hashlib
import importlib.machinery
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pluggy

from tools import luigid
from tools.blanks import PLACEHOLDER, answers, open_todos
from tools.chapters import (
    CHAPTERS,
    EXERCISES,
    ROOT,
    SOLUTIONS,
    SYSTEM_CONFIGS,
    WAKE_EVERY,
    every,
    find,
    stop_group,
    stopping_as_on_ctrl_c,
)
from tools.chapters import shown as relative  # a path as the attendee types it

# Seconds that one chapter's quick tests may take. The slowest chapter,
# Visualization, takes about 3 s on a 2-core machine: ten times that leaves
# room for a slow laptop, and is still a short wait for code that never ends.
TIME_LIMIT = 30
# After the time limit, the tests get this long to stop cleanly (Ctrl-C),
# so that they stop the luigid they started, before everything is killed.
GRACE = 5
PARALLEL = min(os.cpu_count() or 2, 4)  # chapters checked at the same time
STOP = threading.Event()  # set on Ctrl-C: every chapter's tests stop, cleanly
SET_ASIDE = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONWARNINGS", "PYTHONPATH")
# The chapters that passed, by a digest of what their checks read (see passed_before):
# `make hint` and `make watch` need not check them again while nothing of it changes.
PASSED = ROOT / ".workshop" / "passed.json"
KEEP_PASSED = 20  # digests kept per chapter
# Besides PYTHON*, LUIGI_* and LC_*: the environment's settings that a check may depend on.
READ = ("LANG", "TZ", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")
# A long text (what the attendee's code printed) is shown by its first and
# last lines, each cut to WIDTH characters.
HEAD, TAIL, WIDTH = 4, 4, 160
INDENT = " " * 7

# What an exception usually means, in plain words: (its class name, a regular
# expression that its message matches, the words; {0}, {1} are the groups).
INPUT = "the code waits for typed input (input()): a task gets its values from parameters instead"
NONE = "a value is None: does a method forget to return its result?"
CAUSES = [
    ("EOFError", "", INPUT),
    ("OSError", "reading from stdin", INPUT),
    ("SystemExit", "", "the code ends the program (sys.exit() or exit()): a task returns, or raises an exception"),
    ("AttributeError", r"module 'main' has no attribute '(\w+)'", "main.py has no {0}: did you rename or delete it?"),
    ("AttributeError", r"'(\w+)' object has no attribute 'exists'", "output() must return a target, not a {0}"),
    ("AttributeError", r"'NoneType' object has no attribute", NONE),
    ("TypeError", r"'NoneType' object is not", NONE),
    ("TypeError", r"expected str, bytes or os.PathLike object, not (\w+)", "a {0} is not a path: use its .open()"),
    ("TypeError", r"'str' object cannot be interpreted as an integer", "text where a number is needed: use int(...)"),
    ("NameError", r"name '(\w+)' is not defined", "{0} is not defined here: a typo, or a missing import?"),
    ("ValueError", r"I/O operation on closed file", "the file is closed: write inside the `with` block that opens it"),
    ("FileNotFoundError", r"No such file or directory: '(.*)'", "there is no file {0}"),
    ("OperationalError", r"database is locked", "another connection holds the database: close each one you open"),
    ("RecursionError", "", "a method calls itself, again and again"),
    ("Exception", r"must return Task objects but <class '(?:\w+\.)*(\w+)'>", "requires() must return {0}(), a task"),
]

TRACEBACK = "Traceback (most recent call last):"
FRAME = re.compile(r'^ *File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>.+)$')
OPEN_BLANK = re.compile(re.escape(PLACEHOLDER).replace(r"\{n\}", r"(\d+)"))
TEST_BLANK = re.compile(r"test_todo(\d+)_")
TESTS = str(ROOT / "tests")
CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
LUIGI_COMMAND = re.compile(r"/luigi/(interface|retcodes|cmdline_parser)\.py$")  # luigi.run() and its kin


def excerpt(text, head=HEAD, tail=TAIL, width=WIDTH):
    """A long text by its first and last lines, each cut to width characters,
    control characters shown as � (printed junk must not upset the terminal)."""
    text = "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in text.rstrip().splitlines()]
    if len(lines) > head + tail + 1:
        lines[head:-tail] = [f"... ({len(lines) - head - tail:,} more lines) ..."]
    return "\n".join(lines)


def show(value):
    """A value in a failure message, shown the same way whether it is what
    was expected or what the attendee's code gave: a task as Producer(), a
    task class as "the class Producer", None as "nothing (None)", another
    object by its type ("a luigi.LocalTarget"), a long list by its ends."""
    import luigi

    if value is None:
        return "nothing (None)"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if isinstance(value, luigi.Task):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        if len(items) > 6:
            return f"[{show(items[0])}, {show(items[1])}, ..., {show(items[-1])}] ({len(items):,} in all)"
        return "[" + ", ".join(show(item) for item in items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(key)}: {show(item)}" for key, item in value.items()) + "}"
    if isinstance(value, datetime.date):
        return str(value)  # 2026-11-23, unquoted: so unlike the text '2026-11-23'
    module = type(value).__module__
    if module == "builtins":
        return repr(value)
    return f"a {'' if module == 'main' else module.split('.')[0] + '.'}{type(value).__name__}"


# Reading the attendee's file --------------------------------------------------


def read(source, chapter):
    """The text of main.py; if it cannot run at all, the problem in plain words and in a word or two."""
    shown = relative(source)
    reset = f"`make reset CHAPTER={chapter.name}` brings back the exercise (and saves your file beside it)"
    if not source.parent.is_dir():
        return "", chapter.gone, "missing"
    if not source.exists():
        return "", f"{shown} is missing. `make reset CHAPTER={chapter.name}` brings back the exercise.", "missing"
    try:
        text = source.read_text(encoding="utf-8-sig")  # a BOM, as some editors write, is fine for Python too
    except UnicodeDecodeError as error:
        return "", f"{shown} is not UTF-8 text (byte {error.start}): save it as UTF-8 in your editor.", "not UTF-8"
    except OSError as error:
        return "", f"cannot read {shown}: {error.strerror}", "cannot read it"
    if not text.strip():
        return text, f"{shown} is empty. {reset}.", "empty"
    try:
        # Named so that Python takes the line from text, not from the file: it would count a BOM in.
        compile(text, f"<{shown}>", "exec", dont_inherit=True)
    except SyntaxError as error:
        return text, syntax_problem(shown, text, error), "syntax error"
    except ValueError as error:  # e.g. a null byte
        return text, f"{shown}: {error}", "cannot read it"
    return text, None, ""


def syntax_problem(shown, text, error):
    """A SyntaxError in plain words, with its line numbered and indented as in
    the file: the indentation may be the mistake. For an unexpected indent,
    Python names the first line that it cannot place, while the mistake is
    often in the code line above it (an answer pasted at the wrong indent);
    for tabs mixed with spaces, the tab may be in the line above: show both."""
    where = f"{shown}:{error.lineno}" if error.lineno else str(shown)
    said = [f"{where}: {error.msg} (a syntax error: Python cannot read the file)"]
    lines = text.split("\n")  # Python's own line ends; splitlines() would also split at \f and \u2028
    if not error.lineno or not 1 <= error.lineno <= len(lines):  # e.g. at the end of the file
        return "\n".join(said + ([f"    {error.text.strip()}"] if (error.text or "").strip() else []))
    tabs = isinstance(error, TabError)

    def numbered(n):  # tabs drawn as 8 columns from the line's start, or as arrows where they are the error
        line = lines[n - 1].rstrip()
        return f"    {n:>3} | {line.replace(chr(9), '→' + chr(9)).expandtabs(4) if tabs else line.expandtabs(8)}"

    above = [n for n in range(error.lineno - 1, 0, -1) if lines[n - 1].strip()[:1] not in ("", "#")][:1]
    if (error.msg == "unexpected indent" or tabs) and above:
        said += [numbered(above[0]), numbered(error.lineno)]
        said.append(
            f"    Line {error.lineno} or line {above[0]} indents with a tab (→) where the other uses spaces:"
            " indent with spaces only."
            if tabs
            else f"    Line {error.lineno} is indented more than line {above[0]}, the code above it: indent what"
            " you wrote like the lines around its TODO."
        )
    else:
        said.append(numbered(error.lineno))
        if error.offset:
            margin = len(f"    {error.lineno:>3} | ")
            said.append(" " * (margin + len(lines[error.lineno - 1][: error.offset - 1].expandtabs(8))) + "^")
    return "\n".join(said)


# In the test process: what each failure means ---------------------------------


@dataclass
class Frame:
    file: str
    line: int
    function: str
    source: str


def tracebacks(text):
    """The Python tracebacks in a text, e.g. a command's output or a log:
    for each, its frames and its last line (the exception)."""
    found = []
    for block in text.split(TRACEBACK)[1:]:
        lines, frames, exception = block.splitlines(), [], None
        for index, line in enumerate(lines):
            match = FRAME.match(line)
            if match:
                after = lines[index + 1] if index + 1 < len(lines) else ""
                source = after.strip() if after.startswith("    ") and not FRAME.match(after) else ""
                frames.append(Frame(match["file"], int(match["line"]), match["function"], source))
            elif frames and line and not line.startswith(" "):
                exception = line
                break
        if frames and exception:
            found.append((frames, exception))
    return found


def in_main(frame):
    return Path(frame.file).name == "main.py"


def cause(exception):
    """The plain words for an exception line such as 'TypeError: ...', or None."""
    kind, _, message = exception.partition(": ")
    kind = kind.rsplit(".", 1)[-1]
    for name, pattern, words in CAUSES:
        match = re.search(pattern, message)
        if name == kind and match:
            return words.format(*match.groups())
    return None


def members(path):
    """The names of the methods and class attributes (parameters) that the classes of a file define."""
    names = set()
    with contextlib.suppress(OSError, SyntaxError, ValueError):
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        names.add(item.name)
                    elif isinstance(item, ast.Assign):
                        names.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return names


def described(frames, exception, shown):
    """An error from main.py: where (the attendee's file and line), why in plain words, and the raw exception."""
    mine = [frame for frame in frames if in_main(frame)]
    frame = mine[-1]
    ran_luigi = any(LUIGI_COMMAND.search(f.file) for f in frames[frames.index(frame) :])
    if frame.function == "<module>" and ran_luigi:
        return (
            f"{shown}:{frame.line} runs luigi as soon as the file is imported (here by the checker):\n"
            f"    {frame.source}\n"
            'Put it under `if __name__ == "__main__":`, so that it runs only when main.py is the command.'
        )
    words = cause(exception)
    undefined = re.match(r"NameError: name '(\w+)' is not defined", exception)
    if undefined and undefined[1] in members(frame.file):  # a method of the task, or its parameter
        words = f"{undefined[1]} is not defined here: in a method, the task's own is self.{undefined[1]}"
    missing = re.match(r"FileNotFoundError: .*No such file or directory: '(.+)/[^/]+'$", exception)
    if missing and re.search(r"""\bopen\(.*["'][wax]""", frame.source or ""):  # a file to write, in no folder
        words = f'there is no folder {missing[1]} to write in: open() makes none, self.output().open("w") does'
    text = f"{shown}:{frame.line}: {words or 'raised ' + excerpt(exception, 1, 0)}"
    if frame.source:
        text += f"\n    {frame.source}"
    if words and "pytest" not in exception:  # not pytest's own advice, which is for its users
        text += f"\n    ({excerpt(exception, 1, 0)})"
    return text


def own(text):
    """The tracebacks in text that end in main.py's code (not in a test's,
    such as a crash that a test provokes on purpose)."""
    found = []
    for frames, exception in tracebacks(text):
        mine = [index for index, frame in enumerate(frames) if in_main(frame)]
        if mine and not any(TESTS in frame.file for frame in frames[mine[-1] :]):
            found.append((frames, exception))
    return found


def headline(summary):
    """What failed, from luigi's execution summary, in one line."""
    failed = re.findall(r"^\* (\d+ (?:failed|were missing)[^:\n]*):\n +- \d+ (.+)$", summary, re.M)
    return "luigi: " + "; ".join(f"{what}: {task}" for what, task in failed) if failed else "luigi did not succeed"


def explain(error, sections, shown):
    """(blank, message) for a failed test: the blank it is about, if not the
    test's own (an open placeholder's, or 0 for an error when main.py is
    imported: every test fails alike), and the failure in the attendee's terms."""
    raised = "".join(traceback.format_exception(error))
    captured = "\n".join(sections)  # what the test printed and logged, e.g. luigi's log of a task that failed
    placeholder = OPEN_BLANK.search(raised + captured)
    if placeholder:
        return int(placeholder.group(1)), f"TODO {placeholder.group(1)} is not filled in yet"
    mine = own(raised)
    frames = traceback.extract_tb(error.__traceback__)
    in_attendee_code = bool(frames) and Path(frames[-1].filename).name == "main.py"  # e.g. an assert of their own
    if mine and (not isinstance(error, AssertionError) or in_attendee_code):
        at_import = any(in_main(frame) and frame.function == "<module>" for frame in mine[-1][0])
        return 0 if at_import else None, described(*mine[-1], shown)
    if isinstance(error, AssertionError):
        message = str(error).split("\nassert ")[0].strip() or str(error).strip()
        message = "\n".join(line for line in message.splitlines() if not line.strip().startswith("Use -v to get"))
        first, _, rest = message.partition("\n")
        rest = textwrap.dedent(rest)  # pytest indents the lines after the first
        if first.startswith("===== Luigi Execution Summary"):  # the message is luigi's summary
            first, rest = headline(rest), ""
        # The test's words, then the error from main.py behind them (in a command's output, or luigi's log).
        behind = own(rest) or own(captured)
        if behind:
            return None, f"{first}\n{described(*behind[-1], shown)}"
        other = tracebacks(rest) or tracebacks(captured)
        if other and cause(other[-1][1]):
            return None, f"{first}\n{cause(other[-1][1])}\n    ({excerpt(other[-1][1], 1, 0)})"
        return None, f"{first}\n{excerpt(rest)}" if rest.strip() else first
    # Raised in the test itself, e.g. by luigi, or reading a file that main.py did not write.
    behind = own(captured)
    if behind:
        return None, described(*behind[-1], shown)
    exception = traceback.format_exception_only(error)[-1].strip()
    words = cause(exception)
    return None, f"{words}\n    ({excerpt(exception, 1, 0)})" if words else exception


# pytest's own marker for its hooks (pytest.hookimpl is this very object), so
# that the checker itself need not import pytest: a third of its start-up.
hookimpl = pluggy.HookimplMarker("pytest")


class Recorder:
    """A pytest plugin, in the test process: writes each test's start and
    failure to a file as it happens (one JSON object a line), so that the
    checker knows how far the tests got, even if they never finish."""

    def __init__(self, path, shown):
        self.file, self.shown = open(path, "a"), shown  # noqa: SIM115 (open for the whole session)

    def local(self, message):
        """A message with the paths of the checker's copies shown as the attendee's own."""
        folder = Path(self.file.name).parent  # the checker's scratch folder, with the copies
        chapter = Path(self.shown).parent
        for scratch in {str(folder), str(folder.resolve())}:
            copy = re.escape(scratch) + r"[^\s'\"]*?/" + re.escape(chapter.name) + "/"
            message = re.sub(copy, f"{chapter}/", message)
            message = re.sub(re.escape(scratch) + r"/tests/[^/\s'\"]+/", "", message)  # a test's own folder
        return message

    def write(self, **record):
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def pytest_runtest_logstart(self, nodeid):
        self.write(event="start", test=nodeid.split("::")[-1])

    @hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.failed and call.excinfo and not call.excinfo.errisinstance(KeyboardInterrupt):
            blank, message = explain(call.excinfo.value, [content for _, content in report.sections], self.shown)
            number = TEST_BLANK.match(item.name)
            at_import = blank == 0
            if blank is None:
                blank = int(number.group(1)) if number else 0
            message = CLASS.sub(r"\1", excerpt(self.local(message), 12, 6))  # <class 'main.Producer'>: Producer
            self.write(event="failed", test=item.name, blank=blank, message=message, import_=at_import)
        return report

    def pytest_collectreport(self, report):
        if report.failed:
            self.write(event="failed", test="", blank=0, message=excerpt(str(report.longrepr)), import_=True)

    def pytest_keyboard_interrupt(self, excinfo):
        raised = "".join(traceback.format_exception(excinfo.value))
        mine = own(raised)
        if mine:
            frame = [f for f in mine[-1][0] if in_main(f)][-1]
            place = "at the top level of the file" if frame.function == "<module>" else f"in {frame.function}()"
            self.write(event="stopped", where=f"{self.shown}:{frame.line}, {place}", source=frame.source)

    def pytest_sessionfinish(self):
        self.write(event="finished")


def record(argv):
    """In the test process: run pytest with the Recorder."""
    split = argv.index("--")
    options, pytest_args = argv[:split], argv[split + 1 :]
    path, shown = options[1], options[3]
    sys.dont_write_bytecode = True
    import pytest  # here only: the checker itself starts quicker without it

    return pytest.main(pytest_args, plugins=[Recorder(path, shown)])


# In the checker: one chapter ----------------------------------------------------


@dataclass
class Outcome:
    chapter: object
    source: Path  # the attendee's main.py
    todos: list = field(default_factory=list)  # its open blanks
    problems: dict = field(default_factory=dict)  # {blank: message}; 0: not tied to a blank
    stopped: str = ""  # why the checks could not run, or stopped, in a word or two

    @property
    def done(self):
        return not self.problems


def run_tests(chapter, tree, folder, shown, time_limit):
    """Run a chapter's quick tests on tree, in a process group of their own,
    for at most time_limit seconds. Returns the Recorder's records, whether
    the time ran out, the exit code and what pytest printed."""
    results = folder / "results.jsonl"
    command = [sys.executable, "-m", "tools.check", "--record", str(results), "--shown", str(shown), "--"]
    command += [str(chapter.tests), f"--tree={tree}", f"--basetemp={folder / 'tests'}", f"--rootdir={ROOT}"]
    command += ["-p", "no:cacheprovider", "-q", "--tb=no", "--show-capture=no", "-m", "not thorough"]
    # No plugin that happens to be installed (xdist, anyio...): the chapter's
    # tests need none, and loading them takes a third of pytest's start-up.
    # Nor the settings of the attendee's shell for other projects (make doctor names
    # them): pytest's (PYTEST_ADDOPTS="-n auto"), warnings made errors, another
    # luigi first on PYTHONPATH, luigi's (LUIGI_CONFIG_PATH, LUIGI_CONFIG_PARSER).
    env = {k: v for k, v in os.environ.items() if k not in SET_ASIDE and not k.startswith("LUIGI_")}
    env |= {"PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(folder), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    with open(folder / "output.txt", "wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + time_limit
        while process.poll() is None and time.monotonic() < deadline and not STOP.is_set():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.1)
        timed_out = process.poll() is None and not STOP.is_set()
    finally:  # also on Ctrl-C in this thread: the tests run in a session of their own
        stop(process, folder)
    records = []
    if results.exists():
        for line in results.read_text().splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
    output = (folder / "output.txt").read_text(errors="replace")
    return records, timed_out, process.returncode, output


def stop(process, folder):
    """Stop the tests if they still run, as Ctrl-C would (so that they stop their
    luigid), then kill whatever is left in their process group (e.g. luigi's
    worker processes), and a luigid that a killed test had no time to stop."""
    stop_group(process, GRACE)
    for pidfile in (folder / "tests").glob("**/luigid.pid"):
        luigid.stop(pidfile.parent)  # it runs in a session of its own
    kill_strays(folder)


def kill_strays(folder):
    """Kill what the tests left running in sessions of their own, out of reach
    of stop_group (main.py's own Popen(..., start_new_session=True), say):
    every process they start has a TMPDIR in folder. Linux only (/proc)."""
    mark = re.compile(rb"TMPDIR=" + re.escape(str(folder).encode()) + rb"(/.*)?")
    for process in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):  # ended meanwhile, or not ours
            if any(mark.fullmatch(entry) for entry in (process / "environ").read_bytes().split(b"\0")):
                os.kill(int(process.name), signal.SIGKILL)


def digest(chapter, copy):
    """One hash of all that a chapter's checks read: every file of the copy of
    its folder (main.py, its data, the attendee's other files), its tests and
    the tools they use, luigi's configuration files, the versions of Python
    and luigi, and the settings of the environment that Python and luigi
    read. None if a file cannot be read."""
    luigi = "none"
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        luigi = importlib.metadata.version("luigi")
    hashed = hashlib.sha256(f"{sys.version} {luigi}".encode())
    read = sorted((k, v) for k, v in os.environ.items() if k.startswith(("PYTHON", "LUIGI_", "LC_")) or k in READ)
    hashed.update(repr(read).encode())
    files = sorted(p for p in Path(copy).rglob("*") if p.is_file())
    others = [chapter.tests, ROOT / "tests" / "conftest.py", ROOT / "requirements.txt", ROOT / "luigi.cfg"]
    others += sorted((ROOT / "tools").glob("*.py")) + [p for p in SYSTEM_CONFIGS if p.is_file()]
    try:
        for path in [*files, *others]:
            name = path.relative_to(copy) if path in files else path
            hashed.update(f"{name.as_posix()}\0{path.stat().st_size}\0".encode())
            hashed.update(path.read_bytes())
    except OSError:
        return None
    return hashed.hexdigest()


def passed_before(chapter, fingerprint):
    """Whether the checks of this chapter passed before on the files of that digest (PASSED)."""
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        return fingerprint is not None and fingerprint in json.loads(PASSED.read_text()).get(chapter.name, [])
    return False


def record_pass(chapter, fingerprint):
    """Add a digest to the chapter's in PASSED. Two checks at once may each
    write: one's record is then lost, and the chapter is checked once more.
    A repo that cannot be written to keeps no record."""
    if fingerprint is None:
        return
    written = PASSED.with_name(f"{PASSED.name}.{os.getpid()}.tmp")
    try:
        passed = {}
        with contextlib.suppress(OSError, ValueError, TypeError):
            passed = dict(json.loads(PASSED.read_text()))
        digests = passed.get(chapter.name)
        digests = [d for d in digests if d != fingerprint] if isinstance(digests, list) else []
        passed[chapter.name] = [*digests, fingerprint][-KEEP_PASSED:]
        PASSED.parent.mkdir(exist_ok=True)
        written.write_text(json.dumps(passed, indent=1, sort_keys=True) + "\n")
        os.replace(written, PASSED)  # whole or not at all: never half a file
    except OSError:
        with contextlib.suppress(OSError):
            written.unlink(missing_ok=True)


# The methods of a task that luigi calls by their names.
HOOKS = ("requires", "output", "run", "complete")


def misnamed(text, message):
    """For a message about Task.method(), where main.py's class Task has no
    such method but one with a name close to it: a sentence that says so."""
    import difflib

    named = re.search(rf"\b(\w+)\.({'|'.join(HOOKS)})\(\)", message)
    if not named:
        return ""
    task, hook = named.groups()
    with contextlib.suppress(SyntaxError, ValueError):
        for node in ast.parse(text).body:
            if isinstance(node, ast.ClassDef) and node.name == task:
                methods = {n.name: n.lineno for n in node.body if isinstance(n, ast.FunctionDef)}
                close = difflib.get_close_matches(hook, methods, n=1, cutoff=0.6)  # rnu for run
                if hook not in methods and close:
                    return (
                        f"\n{task} has no {hook}() of its own, but a {close[0]}() (line {methods[close[0]]}):"
                        f" luigi calls {hook}() by that very name. A typo?"
                    )
    return ""


def check(chapter, tree=EXERCISES, time_limit=TIME_LIMIT, trust_passed=False):
    """Check one chapter of tree, on a copy of its folder: an Outcome. With
    trust_passed, a chapter that passed before on the very same files is done
    without running its tests again."""
    source = chapter.folder(tree) / "main.py"
    shown = relative(source)
    text, problem, outcome_stopped = read(source, chapter)
    outcome = Outcome(chapter, source, open_todos(text))
    if problem:
        outcome.problems, outcome.stopped = {0: problem}, outcome_stopped
        return outcome
    opened = {t.number: f"TODO {t.number} is not filled in yet ({shown}:{t.line}): {t.text}" for t in outcome.todos}
    if set(opened) == set(answers((chapter.folder(SOLUTIONS) / "main.py").read_text())):
        outcome.problems = opened  # nothing is filled in yet: nothing to test
        return outcome
    with tempfile.TemporaryDirectory(prefix=f"check-{chapter.name}-") as folder:
        folder = Path(folder)
        try:
            chapter.copy(tree, folder / "tree" / chapter.name)
        except OSError as error:  # shutil.Error lists (source, copy, why) for each file
            source, _, why = error.args[0][0] if isinstance(error, shutil.Error) else (error.filename, 0, error)
            outcome.problems = {0: f"cannot copy {relative(source or chapter.folder(tree))}: {why}"}
            outcome.stopped = "cannot copy it"
            outcome.source = Path(source or chapter.folder(tree))  # named in the last line: "Fix ..."
            return outcome
        fingerprint = digest(chapter, folder / "tree" / chapter.name)
        if trust_passed and passed_before(chapter, fingerprint):
            return outcome
        records, timed_out, returncode, output = run_tests(chapter, folder / "tree", folder, shown, time_limit)
        for failure in (r for r in records if r["event"] == "failed"):
            outcome.problems.setdefault(failure["blank"], failure["message"] + misnamed(text, failure["message"]))
            if failure["import_"] and not outcome.stopped:
                outcome.stopped = "fails when imported"
    hider, hidden = hiding(chapter.folder(tree), text) if set(outcome.problems) - set(opened) else (None, None)
    if hider:  # named in the last line: "Rename Basics/luigi.py, then run: ..."
        outcome.source, outcome.problems, outcome.stopped = hider, {0: hidden}, "a file hides a module"
    if opened and not outcome.stopped:
        # What fails outside the blanks most likely follows from the open ones: say only what is open.
        outcome.problems.pop(0, None)
    outcome.problems.update(opened)
    # A KeyboardInterrupt that neither the time limit nor a Ctrl-C of the attendee's
    # sent ends pytest early, but as if it had finished: main.py raised it.
    raised = any(r["event"] == "stopped" for r in records) and not STOP.is_set()
    if timed_out or raised or not any(r["event"] == "finished" for r in records):
        outcome.stopped = "did not finish" if timed_out else "stopped early"
        outcome.problems[0] = cut_short(chapter, shown, text, records, timed_out, returncode, output, time_limit)
    if outcome.done and not STOP.is_set():
        record_pass(chapter, fingerprint)
    return outcome


IMPORTED = """
import importlib, importlib.machinery, sys
loaded = set(sys.modules)  # at start-up, before main.py's folder is searched: none can be hidden
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
found = {module.partition(".")[0] for module in set(sys.modules) - loaded}
# Built into Python, or frozen into it: found before any folder is searched.
found = {n for n in found if n not in sys.builtin_module_names and not importlib.machinery.FrozenImporter.find_spec(n)}
print(" ".join(sorted(found)))
"""


def hiding(folder, text):
    """A file (or package folder) next to main.py with the name of a module
    that main.py imports, directly or through luigi (luigi.py, random.py...):
    Python looks in main.py's folder first, and imports that file instead.
    Called only for a chapter that fails, and quick unless such a file is there."""
    names = {}
    suffixes = sorted(importlib.machinery.all_suffixes(), key=len, reverse=True)  # .py, .pyc, .so...
    for path in sorted(folder.iterdir()):
        if (path / "__init__.py").is_file():
            names[path.name] = path
        for suffix in suffixes if path.is_file() else []:
            if path.name.endswith(suffix) and path.name != "main.py":
                names[path.name.removesuffix(suffix)] = path
                break
    if not names:
        return None, None
    imports = {"luigi"}
    with contextlib.suppress(SyntaxError):
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                imports.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imports.add(node.module)
    # In an empty folder, with -I: no file of the attendee's hides anything there.
    with tempfile.TemporaryDirectory() as empty:
        listed = subprocess.run(
            [sys.executable, "-I", "-c", IMPORTED, *sorted(imports)], cwd=empty, capture_output=True, text=True
        )
    for name in sorted(set(names) & set(listed.stdout.split())):
        path = names[name]
        what = "the luigi package" if name == "luigi" else f"the module {name}, which main.py imports (or luigi does)"
        shown = f"{relative(path)}{'/' if path.is_dir() else ''}"
        return path, (
            f"{shown} has the name of {what}, so Python imports it instead (it looks in\n"
            f"    main.py's folder first). Rename it, e.g. to my_{path.name}, and check again."
        )
    return None, None


def cut_short(chapter, shown, text, records, timed_out, returncode, output, time_limit):
    """Why the tests of a chapter did not finish, in plain words."""
    started, during = [r["test"] for r in records if r["event"] == "start"], ""
    if started:
        number = TEST_BLANK.match(started[-1])
        test = started[-1].removeprefix("test_").replace("_", " ")
        during = f" (while checking TODO {number.group(1)})" if number else f" (while checking: {test})"
    stopped = [r for r in records if r["event"] == "stopped"]
    if timed_out:
        where = f"\n    It was at {stopped[-1]['where']}:\n        {stopped[-1]['source']}" if stopped else ""
        return (
            f"{shown} did not finish within {time_limit} s{during}.{where}\n"
            "    That usually means a loop that never ends, in run() or at the top level of the file (which runs\n"
            "    when the file is imported), or a call that waits a long time, like time.sleep()."
        )
    if stopped:  # and not by the time limit: main.py raised KeyboardInterrupt itself
        return (
            f"{stopped[-1]['where']}, raises KeyboardInterrupt:\n        {stopped[-1]['source']}\n"
            f"    That stops Python as a Ctrl-C does, so the checks stopped{during}.\n"
            '    A task that fails raises an ordinary exception instead, e.g. RuntimeError("what went wrong").'
        )
    exits = [n for n, line in enumerate(text.splitlines(), 1) if re.search(r"\b_exit\(", line)]
    if exits:
        return (
            f"{shown}:{exits[0]} ends Python at once (os._exit), so the checks stopped{during}.\n"
            "    A task's run() returns when its work is done, or raises an exception when it fails."
        )
    if not started:
        return f"the tests of {chapter.name} did not start: {chapter.tests.name} says\n{excerpt(output)}"
    return (
        f"the checks stopped{during}: Python ended (exit code {returncode}) in the middle of a test.\n"
        "    Does something in main.py end the program, or crash Python?"
    )


# The report -----------------------------------------------------------------------


def failing_blanks(chapter, tree=EXERCISES, time_limit=TIME_LIMIT, trust_passed=False):
    """The blanks of a chapter that are open or fail, for `make hint` and
    `make watch`: {blank number: one plain message}, in blank order, empty
    when the chapter is done.

    chapter is a tools.chapters.Chapter, or its name or number. Key 0 holds
    what is not tied to one blank: main.py missing, empty or unreadable
    (a syntax error), the checks not finishing within time_limit seconds,
    or a failing test of the chapter as a whole (reported only once no
    blank is open). An open blank's message is "TODO n is not filled in yet
    (<file>:<line>): <what to write>". Runs the same checks, on a copy of
    the chapter folder, as `make check CHAPTER=...` (with trust_passed: unless
    they passed before on the very same files)."""
    if not hasattr(chapter, "tests"):
        chapter = find(str(chapter))
    with stopping_as_on_ctrl_c():
        return dict(sorted(check(chapter, Path(tree), time_limit, trust_passed).problems.items()))


def details(outcome):
    """The lines under the first chapter that is not done: what fails, one line per blank, then what is next."""
    lines, said = [], {}
    failing = {n: message for n, message in outcome.problems.items() if n not in {t.number for t in outcome.todos}}
    if outcome.stopped:
        failing = {0: failing[0]}  # the rest follows from it
    # A failure of the chapter as a whole comes after the blanks'.
    for blank in sorted(failing, key=lambda n: (n == 0, n)):
        label = f"TODO {blank}:" if blank else "also:" if lines else "problem:"
        if failing[blank] in said:
            lines.append(f"{INDENT}{label} the same as {said[failing[blank]]}")
            continue
        said[failing[blank]] = label.rstrip(":")
        first, *rest = failing[blank].splitlines()
        lines.append(f"{INDENT}{label} {first}")
        lines += [f"{INDENT}  {line}" for line in rest]
    numbered = sorted(n for n in failing if n)
    if len(numbered) > 1:  # a wrong first answer often fails the later blanks' checks too
        lines.append(f"{INDENT}tip: start with TODO {numbered[0]}: what fails after it may follow from it.")
    if outcome.todos and not outcome.stopped:
        todo = outcome.todos[0]
        lines.append(f"{INDENT}next: {relative(outcome.source)}:{todo.line}: TODO {todo.number}: {todo.text}")
    return lines


def report(outcomes, tree, checked_all, focus=None):
    """Print the table, as the outcomes come, with the details of the first
    chapter that is not done: the first from chapter focus on (the one that
    make watch saw saved), else the first of all, its details then after the table."""
    print(f"Checking your exercises in {relative(tree) if tree != ROOT else 'this repo'}:\n", flush=True)
    done, first_open, earlier, outcome = 0, None, None, None
    for outcome in outcomes:  # in chapter order, each as soon as it is known
        chapter = outcome.chapter
        if outcome.done:
            done += 1
            print(f"  {chapter.number}  {chapter.name:<14} done", flush=True)
            continue
        count = len(outcome.todos)
        status = f"{count} TODO{'s' if count != 1 else ''} open" if count else outcome.stopped or "not right yet"
        if outcome.stopped == "syntax error" and count:
            status = f"a syntax error; {status}"
        print(f"  {chapter.number}  {chapter.name:<14} not yet ({status})")
        if focus and chapter.number < focus.number:
            earlier = earlier or outcome
        elif first_open is None:
            first_open = outcome
            print("\n".join(details(outcome)))
        sys.stdout.flush()
    if first_open is None and earlier:
        first_open = earlier
        print(f"\n{earlier.chapter.name}:\n" + "\n".join(details(earlier)))
    total = len(CHAPTERS) if checked_all else 1
    print(f"\n{done} of {total} chapter{'s' if total != 1 else ''} done.")
    if first_open:
        verbs = {"a file hides a module": "Rename", "syntax error": "Fix"}  # else: fill in what is open
        verb = verbs.get(first_open.stopped) or ("Fill in" if first_open.todos else "Fix")
        print(f"{verb} {relative(first_open.source)}, then run: make check CHAPTER={first_open.chapter.name}")
        return 1
    if checked_all:
        print("Every chapter is done. Well done!")
    else:
        print(what_next(outcome.chapter, tree))
    return 0


def what_next(chapter, tree):
    """After one chapter passes: the next chapter that still has open blanks
    (one filled in ahead is skipped), or those still open before it, or all done."""
    still_open = []
    for other in CHAPTERS:
        text, problem, _ = read(other.folder(tree) / "main.py", other)
        if other is not chapter and (problem or open_todos(text)):
            still_open.append(other)
    later = [c for c in still_open if c.number > chapter.number]
    if later:
        following = later[0]
        source = relative(following.folder(tree) / "main.py")
        return (
            f"Next: chapter {following.number}, {following.name}. "
            f"Fill in {source}, then run: make check CHAPTER={following.name}"
        )
    last = chapter is CHAPTERS[-1]
    if still_open:
        names = ", ".join(c.name for c in still_open)
        where = "That was the last chapter." if last else "The chapters after it have no open blank."
        return f"{where} Still open: {names}; make check shows where you are."
    if last:
        return "That was the last chapter: all done! `make check` checks every chapter once more."
    return "No chapter has an open blank left: `make check` checks every chapter once more."


def in_turn(futures):
    """Each future's result, in order, waiting in short steps (see
    tools.chapters.wait_awake: a wait with no end could miss a Ctrl-C)."""
    for future in futures:
        while not wait([future], timeout=WAKE_EVERY).done:
            pass
        yield future.result()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--record"]:
        return record(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", help="check only this chapter (its name or number)")
    parser.add_argument("--tree", default=str(EXERCISES), help="folder with the chapter folders (default: the repo)")
    parser.add_argument(
        "--time-limit", type=float, default=TIME_LIMIT, help=f"seconds per chapter (default: {TIME_LIMIT})"
    )
    parser.add_argument(
        "--trust-passed", action="store_true", help="skip a chapter that passed before on the same files (make watch)"
    )
    parser.add_argument("--focus", help="details for the first chapter not done from this one on (make watch)")
    args = parser.parse_args(argv)
    if every(args.chapter):  # CHAPTER=all, as for make reset
        args.chapter = None
    chapters = [find(args.chapter)] if args.chapter else CHAPTERS
    tree = Path(args.tree).resolve()
    limit = int(args.time_limit) if args.time_limit == int(args.time_limit) else args.time_limit
    with stopping_as_on_ctrl_c():
        pool = ThreadPoolExecutor(PARALLEL)
        try:
            futures = [pool.submit(check, chapter, tree, limit, args.trust_passed) for chapter in chapters]
            focus = find(args.focus) if args.focus else None
            return report(in_turn(futures), tree, checked_all=not args.chapter, focus=focus)
        except KeyboardInterrupt:  # the tests run in sessions of their own: stop them here
            STOP.set()
            print("\nStopped.", file=sys.stderr)
            return 130
        finally:
            pool.shutdown(cancel_futures=True)


if __name__ == "__main__":
    sys.exit(main())
