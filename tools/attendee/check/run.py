"""Checking one chapter: its tests run on a copy of the attendee's chapter
folder (nothing is ever written into the chapter folders), in a test process
of its own (host.py) that holds the time limit; the outcome is what failed,
blank by blank, in the attendee's terms."""

import contextlib
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools import processes
from tools.attendee.check import cache
from tools.attendee.check.explain import excerpt, misnamed
from tools.attendee.check.read import read
from tools.blanks import answers, open_todos
from tools.paths import ROOT, SOLUTIONS
from tools.paths import shown as relative

# Seconds that one chapter's quick tests may take. They take about a second:
# thirty leave room for a slow laptop, and are still a short wait for code
# that never ends.
TIME_LIMIT = 30
STOP = threading.Event()  # set on Ctrl-C: every chapter's tests stop, cleanly
# Settings of the attendee's shell for other projects, which would change how the tests run.
SET_ASIDE = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONWARNINGS", "PYTHONPATH", "PYTHONSAFEPATH")
# What the machine, not main.py, is to blame for.
MACHINE = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
}


@dataclass
class Outcome:
    chapter: object
    source: Path  # the attendee's main.py
    todos: list = field(default_factory=list)  # its open blanks
    problems: dict = field(default_factory=dict)  # {blank: message}; 0: not tied to a blank
    stopped: str = ""  # why the checks could not run, or stopped, in a word or two
    machine: str = ""  # a problem of this machine's, not of main.py's: what to do

    @property
    def done(self):
        return not self.problems and not self.machine


def check(chapter, tree, scratch, time_limit=TIME_LIMIT, trust_passed=False):
    """Check one chapter of tree, on a copy of its folder in scratch: an Outcome.
    With trust_passed, a chapter that passed before on the very same files is
    done without running its tests again."""
    source = chapter.folder(tree) / "main.py"
    shown = relative(source)
    text, problem, stopped = read(source, chapter)
    outcome = Outcome(chapter, source, open_todos(text))
    if problem:
        outcome.problems, outcome.stopped = {0: problem}, stopped
        return outcome
    opened = {t.number: f"TODO {t.number} is not filled in yet ({shown}:{t.line}): {t.text}" for t in outcome.todos}
    if set(opened) == set(answers((chapter.folder(SOLUTIONS) / "main.py").read_text())):
        outcome.problems = opened  # nothing is filled in yet: nothing to test
        return outcome
    folder = Path(scratch) / chapter.name
    try:
        copy = chapter.copy(tree, folder / "tree" / chapter.name)
    except OSError as error:  # shutil.Error lists (source, copy, why) for each file
        source, _, why = error.args[0][0] if isinstance(error, shutil.Error) else (error.filename, 0, error)
        number = getattr(why, "errno", None) or next(map(int, re.findall(r"Errno (\d+)", str(why))), None)
        if number in MACHINE:
            outcome.machine = f"the check could not copy {chapter.name}/ to {relative(folder)}: {MACHINE[number]}."
            return outcome
        outcome.problems, outcome.stopped = {0: f"cannot copy {relative(source or copy)}: {why}"}, "cannot copy it"
        outcome.source = Path(source or chapter.folder(tree))  # named in the last line: "Fix ..."
        return outcome
    fingerprint = cache.digest(chapter, copy)
    if trust_passed and cache.passed_before(chapter, fingerprint):
        return outcome
    records, timed_out, returncode, output = run_tests(chapter, copy.parent, folder, shown, time_limit)
    if problem := machine_problem(records, output, copy):
        outcome.machine = problem
        return outcome
    for record in records:
        if record["event"] == "failed":
            outcome.problems.setdefault(record["blank"], record["message"] + misnamed(text, record["message"]))
            if record["import_"] and not outcome.stopped:
                outcome.stopped = "fails when imported"
    finished = [r for r in records if r["event"] == "finished"]
    hides = finished[-1]["hides"] if finished else []
    if hides:  # `python main.py` would import that file: named in the last line, "Rename ..."
        outcome.source = chapter.folder(tree) / Path(hides[0]).name.rstrip("/")
        outcome.problems, outcome.stopped = {0: hidden(hides[0])}, "a file hides a module"
    if opened and not outcome.stopped:
        outcome.problems.pop(0, None)  # what fails outside the blanks most likely follows from the open ones
    outcome.problems.update(opened)
    raised = any(r["event"] == "stopped" for r in records) and not STOP.is_set()
    if timed_out or raised or not finished:
        outcome.stopped = "did not finish" if timed_out else "stopped early"
        outcome.problems[0] = cut_short(chapter, shown, text, records, timed_out, returncode, output, time_limit)
    if outcome.done and not STOP.is_set():
        cache.record_pass(chapter, fingerprint)
    return outcome


def machine_problem(records, output, copy):
    """The venv lacks a module that luigi or the tests need (a package
    uninstalled, say), or luigi cannot read its configuration: the tests
    cannot even start, at no fault of main.py's."""
    config = re.search(r"(?:Parsing|MissingSectionHeader|DuplicateSection|DuplicateOption)Error: .{0,80}luigi\.cfg",
                       output, re.S)  # fmt: skip
    if config and not any(r["event"] == "start" for r in records):
        line = re.search(r"\[line\s+(\d+)\]: '(.*?)(?:\\n)?'|line:? (\d+)", output[config.start() :])
        where = f" (line {line[1] or line[3]}{f': {line[2]}' if line[2] else ''})" if line else ""
        return (
            f"luigi cannot read luigi.cfg, which every chapter shares{where}: fix that line, or bring back the"
            " workshop's with `git checkout -- luigi.cfg`"
        )
    missing = re.search(r"No module named '([\w.]+)'", output)
    if not missing or any(r["event"] == "start" for r in records):
        return None
    module = missing.group(1).partition(".")[0]
    if (copy / f"{module}.py").exists() or (copy / module).is_dir():
        return None  # the attendee's own module
    return (
        f"this venv lacks the module {module}, which luigi or the checks need (a package uninstalled?). Run: make setup"
    )


def hidden(path):
    name = Path(path.rstrip("/")).name
    module = name.split(".")[0]
    what = "the luigi package" if module == "luigi" else f"the module {module}, which main.py imports (or luigi does)"
    return (
        f"{path} has the name of {what}, so Python imports it instead (it looks in\n"
        f"    main.py's folder first). Rename it, e.g. to my_{name}, and check again."
    )


def run_tests(chapter, tree, folder, shown, time_limit):
    """Run a chapter's quick tests on tree in the test process (host.py).
    Returns its records, whether the time ran out, its exit code and what it printed."""
    results = folder / "results.jsonl"
    command = [sys.executable, "-m", "tools.attendee.check.host", str(results), str(shown), str(time_limit), "--"]
    command += [str(chapter.tests), f"--tree={tree}", f"--basetemp={folder / 'tests'}"]
    command += ["-p", "no:cacheprovider", "-q", "--tb=no", "--show-capture=no", "-m", "not thorough"]
    # Neither the plugins that happen to be installed (the tests need none) nor the settings
    # of the attendee's shell for other projects (make doctor names them).
    env = {k: v for k, v in os.environ.items() if k not in SET_ASIDE and not k.startswith("LUIGI_")}
    env |= {"PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(folder), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    with open(folder / "output.txt", "wb") as output:
        process = processes.start(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
    try:  # the host ends itself at the time limit; this is only in case it cannot
        deadline = time.monotonic() + time_limit + 3 * processes.GRACE
        while process.poll() is None and time.monotonic() < deadline and not STOP.is_set():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.1)
    finally:  # also on Ctrl-C in this thread
        processes.stop(process)
    records = []
    with contextlib.suppress(OSError):
        for line in results.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
    timed_out = any(r["event"] == "timeout" for r in records) or (process.returncode is None and not STOP.is_set())
    return records, timed_out, process.returncode, (folder / "output.txt").read_text(errors="replace")


def cut_short(chapter, shown, text, records, timed_out, returncode, output, time_limit):
    """Why the tests of a chapter did not finish, in plain words."""
    started, during = [r for r in records if r["event"] == "start"], ""
    if started:
        test = started[-1]["test"].removeprefix("test_").split("[")[0].replace("_", " ")
        blank = started[-1].get("blank")
        during = f" (while checking TODO {blank})" if blank else f" (while checking: {test})"
    stopped = [r for r in records if r["event"] in ("stopped", "timeout") and r.get("where")]
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
