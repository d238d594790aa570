"""Crash-only: whatever ends a command, what it started ends with it.

Each command is stopped by a signal sent to the tool's own process only (not
to its process group, which would reach its children too and prove nothing):
SIGKILL, which no cleaning up survives (kill -9, the OOM killer), and SIGQUIT
(Ctrl-\\). Ten seconds later nothing of the command runs; after a SIGKILL,
the next start removes what was left, and says so. make luigid exists to
leave luigid running: killed while it starts, that luigid is make luigid-stop's."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from running import Running

from tools import luigid, processes
from tools.demos import scale_out
from tools.processes import command_env

STOPS = [signal.SIGKILL, signal.SIGQUIT]
SWEPT = "(Removed what a stopped `make {tool}` left behind: its scratch folder"


def tool_process(running, module, timeout=60):
    """The tool's own Python process (python -m module ...), among the processes that make started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(running.process.pid).children(recursive=True):
            try:
                if child.cmdline()[1:3] == ["-m", module]:
                    return child
            except psutil.Error:
                pass
        assert running.process.poll() is None, running.seen
        time.sleep(0.05)
    raise AssertionError(f"no {module} started: {running.seen}")


def wait_until(condition, timeout=60, every=0.05):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the command never got that far"
        time.sleep(every)


def endless_basics(repo):
    main = repo / "Basics" / "main.py"
    main.write_text(
        main.read_text().replace(
            'raise NotImplementedError("TODO 1")', "while True:\n            __import__('time').sleep(0.1)"
        )
    )


@pytest.mark.parametrize("number", STOPS, ids=lambda n: n.name)
def test_make_check(repo, sh, tmp_path, left_running, number):
    endless_basics(repo)
    running = Running(["make", "check", "CHAPTER=Basics"], repo, command_env(tmp_path / "tmp"))
    try:
        tool = tool_process(running, "tools.attendee.check")
        wait_until(lambda: list((repo / ".workshop" / "scratch").glob("check-*/Basics/output.txt")))  # its tests run
        tool.send_signal(number)
        running.finish()
        assert left_running(repo) == [], f"{number.name} left the check's processes running"
    finally:
        running.stop()
    sh("git checkout -q -- Basics/main.py", repo)  # the blanks again: the next check ends at once, not at its limit
    again = sh("make check CHAPTER=Basics --no-print-directory", repo, timeout=120)
    assert (SWEPT.format(tool="check") in again.stdout) == (number == signal.SIGKILL), again.stdout


@pytest.mark.parametrize("number", STOPS, ids=lambda n: n.name)
def test_make_watch(repo, tmp_path, left_running, number):
    endless_basics(repo)
    running = Running(["make", "watch"], repo, command_env(tmp_path / "tmp") | {"WATCHFILES_FORCE_POLLING": "true"})
    try:
        tool = tool_process(running, "tools.attendee.watch")
        wait_until(lambda: list((repo / ".workshop" / "scratch").glob("check-*/Basics/output.txt")))  # its check runs
        tool.send_signal(number)
        running.finish()
        assert left_running(repo) == [], f"{number.name} left the watch's check running"
        assert not any((repo / ".workshop" / "scratch").iterdir()) or number == signal.SIGKILL
    finally:
        running.stop()


@pytest.mark.parametrize("number", STOPS, ids=lambda n: n.name)
def test_make_run(repo, sh, tmp_path, left_running, number):
    """Chapter 6, on a luigid of make run's own: the chapter's processes, and that luigid, end too."""
    running = Running(["make", "run", "CHAPTER=Visualization"], repo, command_env(tmp_path / "tmp"))
    try:
        tool = tool_process(running, "tools.instructor.run")
        running.wait_for("$ python main.py --workers 4", timeout=60)
        wait_until(lambda: list((repo / ".workshop" / "scratch").glob("run-*/Visualization/dummy-outputs/work-*")))
        tool.send_signal(number)
        running.finish()
        assert left_running(repo) == [], f"{number.name} left make run's luigid or chapter running"
    finally:
        running.stop()
    if number == signal.SIGKILL:
        again = sh("make run CHAPTER=Basics --no-print-directory", repo, timeout=120)
        assert SWEPT.format(tool="run") in again.stdout, again.stdout


@pytest.mark.parametrize("number", STOPS, ids=lambda n: n.name)
def test_make_luigid_while_it_starts(repo, sh, tmp_path, left_running, number):
    port = processes.free_port()
    running = Running(["make", "luigid", f"PORT={port}"], repo, command_env(tmp_path / "tmp"))
    try:
        tool = tool_process(running, "tools.luigid")
        wait_until(lambda: (repo / ".luigid" / "luigid.pid").exists(), every=0.005)  # luigid started, not answering yet
        tool.send_signal(number)
        running.finish()
        started = any("is running in the background" in line for line in running.seen)  # it answered first
        if number == signal.SIGQUIT and not started:  # a stop: the luigid it was starting stops too
            assert left_running(repo) == [], left_running(repo)
        else:  # killed outright: the luigid it exists to leave running is there, known, and stops
            assert len(left_running(repo, wait=1)) == 1
            stopped = sh("make luigid-stop", repo)
            assert stopped.stdout.startswith("Stopped luigid (pid "), stopped.stdout
            assert left_running(repo) == []
    finally:
        running.stop()
        luigid.stop(repo / ".luigid")


def namespaces(tag):
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.startswith(tag)}


@pytest.mark.parametrize("number", STOPS, ids=lambda n: n.name)
def test_make_scale_out(repo, tmp_path, left_running, number):
    """Stopped once its hosts exist and luigid and the workers run in them: nothing of it runs on. A SIGQUIT
    tears the namespaces down on the way out; after a SIGKILL, the next start's sweep removes them, and says so."""
    reason = scale_out.refusal()
    if reason:
        message = f"make scale-out cannot run here: {reason}"
        pytest.fail(f"on CI, {message}") if os.environ.get("CI") else pytest.skip(message)
    running = Running(["make", "scale-out"], repo, command_env(tmp_path / "tmp"))
    try:
        tool = tool_process(running, "tools.demos.scale_out")
        logs = [repo / ".scale-out" / "round-1" / f"{host}.log" for host in scale_out.WORKER_HOSTS]
        wait_until(lambda: all(log.exists() for log in logs) and any(") running " in log.read_text() for log in logs))
        tag = f"{scale_out.TAG}{tool.pid}-"
        assert len(namespaces(tag)) == 4, namespaces(tag)
        tool.send_signal(number)
        running.finish()
        assert left_running(repo) == [], f"{number.name} left luigid or workers running"
    finally:
        running.stop()
    if number == signal.SIGQUIT:
        assert namespaces(tag) == set() and "Torn down: 4 namespaces" in "\n".join(running.seen), running.seen
        return
    assert len(namespaces(tag)) == 4, "killed outright, it cannot remove its namespaces itself"
    sweep = "from tools.demos import scale_out; scale_out.sweep()"
    swept = subprocess.run([sys.executable, "-c", sweep], cwd=repo, capture_output=True, text=True, timeout=60)
    assert f"(Removed what a stopped make scale-out left behind: 4 namespaces, {tag}" in swept.stdout, swept
    assert namespaces(tag) == set()


def test_a_child_ends_when_its_parent_is_killed(tmp_path):
    """The guard and watch_parent, alone: a command under guard, its parent killed."""
    program = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); from tools import processes;"
        " p = processes.start(['sleep', '300'], guard=True); print(p.pid, flush=True); time.sleep(300)"
    )
    parent = processes.subprocess.Popen(
        [processes.sys.executable, "-c", program, str(processes.STATE.parent)],
        stdout=processes.subprocess.PIPE, text=True,
    )  # fmt: skip
    guard = psutil.Process(int(parent.stdout.readline()))
    wait_until(guard.children)
    sleeper = guard.children()[0]
    parent.kill()
    parent.wait()
    gone, alive = psutil.wait_procs([guard, sleeper], timeout=10)
    assert not alive, f"outlived their parent: {alive}"
