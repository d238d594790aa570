"""make watch, for real: a fresh copy of the repo, `make watch` running in it,
a chapter's main.py saved as an editor saves it, and Ctrl-C, both with the
system's file events and with polling (what WSL and containers get)."""

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tools import check, watch
from tools.blanks import todos
from tools.chapters import CHAPTERS, ROOT, SOLUTIONS, command_env, fresh_repo


class Watcher:
    """`make watch` in its own process group, as a terminal runs it, each line of its output timed."""

    def __init__(self, repo, env):
        self.process = subprocess.Popen(
            ["make", "watch"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, text, timeout):
        """The time at which a line holding text came out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                at, line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return at
        raise AssertionError(f"no line with {text!r} within {timeout} s; the output:\n" + "\n".join(self.seen))

    def settle(self, quiet):
        """Read what comes until nothing has come for quiet seconds."""
        with contextlib.suppress(queue.Empty):
            while (item := self.lines.get(timeout=quiet))[1] is not None:
                self.seen.append(item[1])

    def interrupt(self):
        """Ctrl-C: SIGINT to the whole foreground process group, here make's own."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=30)
        self.wait_for_end()
        return self.process.returncode

    def wait_for_end(self):
        with self.process.stdout:
            while (item := self.lines.get(timeout=30))[1] is not None:
                self.seen.append(item[1])

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # make's group: the processes this test started
            self.process.wait()


def save(chapter, repo, atomically, then=""):
    """Save a chapter's solution (and then, a line after it) as its main.py,
    as editors save: a new file renamed over the old one, or the same file written again."""
    main = chapter.folder(repo) / "main.py"
    text = (chapter.folder(SOLUTIONS) / "main.py").read_text() + then
    if atomically:
        main.with_name("main.py.new").write_text(text)
        os.replace(main.with_name("main.py.new"), main)
    else:
        main.write_text(text)
    return time.monotonic()


def processes_in(folder):
    """The pids of the processes whose command line names folder."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(folder) in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
    return found


@pytest.mark.parametrize(
    ("polling", "mode"), [("false", "on file events"), ("true", "looking every 0.3 s")], ids=["events", "polling"]
)
def test_watch_checks_again_on_save_and_stops_on_ctrl_c(tmp_path, polling, mode):
    repo = fresh_repo(tmp_path / "repo", solved=False)
    env = command_env(tmp_path / "tmp") | {"WATCHFILES_FORCE_POLLING": polling}
    first, second, last = CHAPTERS[0], CHAPTERS[1], CHAPTERS[-1]
    watched = len(CHAPTERS)
    if polling == "true":  # and a chapter folder deleted by mistake
        shutil.rmtree(last.folder(repo))
        watched -= 1
    watcher = Watcher(repo, env)
    try:
        watcher.wait_for(f"0 of {len(CHAPTERS)} chapters done.", timeout=120)
        watcher.wait_for(f"Hint 1 of 3 for {first.name}/main.py:", timeout=10)
        watcher.wait_for(f"Watching the {watched} chapters' main.py ({mode})", timeout=10)
        if watched < len(CHAPTERS):
            watcher.wait_for(f"{last.gone} It is watched again once it is back.", timeout=10)

        imported = tmp_path / "imported"  # a line each time the tests import or run the first chapter's main.py
        saved = save(first, repo, atomically=polling == "false", then=f"open({str(imported)!r}, 'a').write('.\\n')\n")
        noticed = watcher.wait_for(f"Saved {first.name}/main.py: checking", timeout=10)
        assert noticed - saved < 3, f"noticed the save after {noticed - saved:.1f} s"
        checked = watcher.wait_for(f"1 of {len(CHAPTERS)} chapters done.", timeout=120)
        assert any(line.split() == [str(first.number), first.name, "done"] for line in watcher.seen), watcher.seen
        todo = todos((second.folder(repo) / "main.py").read_text())[0]
        hinted = watcher.wait_for(f"Hint 1 of 3 for {second.name}/main.py:{todo.line}, TODO 1: {todo.text}", 10)
        assert hinted - checked < 1.5, f"the hint came {hinted - checked:.1f} s after the table"
        watcher.wait_for("Watching again", timeout=10)

        if polling == "false":  # a main.py deleted: checked too, and the table says so
            third, runs = CHAPTERS[2], imported.read_text()
            (third.folder(repo) / "main.py").unlink()
            watcher.wait_for(f"Deleted {third.name}/main.py: checking", timeout=10)
            watcher.wait_for(f"1 of {len(CHAPTERS)} chapters done.", timeout=120)
            table = [line.split() for line in watcher.seen]
            assert [str(third.number), third.name, "not", "yet", "(missing)"] in table, watcher.seen
            watcher.wait_for("Watching again", timeout=10)
            assert imported.read_text() == runs, f"{first.name} passed on these very files: not checked again"
            # Its folder deleted, then brought back (git checkout): a folder's file events end with
            # the folder, so the watch must start anew on the folder that came back.
            shutil.rmtree(third.folder(repo))
            watcher.wait_for(f"Deleted {third.name}/: checking", timeout=10)
            watcher.wait_for("Watching again", timeout=120)
            shutil.copytree(third.folder(), third.folder(repo), symlinks=True)
            watcher.wait_for(f"Back: {third.name}/", timeout=10)
            watcher.wait_for("Watching again", timeout=120)
            save(third, repo, atomically=True)
            watcher.wait_for(f"Saved {third.name}/main.py: checking", timeout=10)
            watcher.wait_for(f"2 of {len(CHAPTERS)} chapters done.", timeout=120)
            watcher.wait_for("Watching again", timeout=10)
            # Gone and back at once, as git checkout does it: the folder's watch ended with it.
            fourth = CHAPTERS[3]
            shutil.rmtree(fourth.folder(repo))
            shutil.copytree(fourth.folder(), fourth.folder(repo), symlinks=True)
            watcher.settle(quiet=3)
            save(fourth, repo, atomically=False)
            watcher.wait_for(f"Saved {fourth.name}/main.py: checking", timeout=10)
            watcher.wait_for("Watching again", timeout=120)
        if polling == "true":  # the folder missing at the start comes back; then Ctrl-C in the middle of a check
            shutil.copytree(last.folder(), last.folder(repo), symlinks=True)
            watcher.wait_for(f"Back: {last.name}/", timeout=10)
            watcher.wait_for("Watching again", timeout=120)
            save(second, repo, atomically=False)
            watcher.wait_for(f"Saved {second.name}/main.py: checking", timeout=10)
        returncode = watcher.interrupt()
        output = "\n".join(watcher.seen)
        assert returncode in (0, 130, -signal.SIGINT), output
        assert watcher.seen[-1] == "Stopped watching."
        assert "Traceback" not in output and "KeyboardInterrupt" not in output
        assert processes_in(repo) == [], "the check that was running stopped too"
    finally:
        watcher.stop()


def test_watch_follows_the_chapter_you_save_and_not_the_files_a_run_writes(tmp_path):
    """A self-learner who starts at chapter 4: after a save, the details and
    the hint are for that chapter, not for Basics. Files that a run writes
    next to main.py change its folder, which polling sees: no check for that."""
    repo = fresh_repo(tmp_path / "repo", solved=False)
    chapter = CHAPTERS[3]
    watcher = Watcher(repo, command_env(tmp_path / "tmp") | {"WATCHFILES_FORCE_POLLING": "true"})
    try:
        watcher.wait_for(f"Hint 1 of 3 for {CHAPTERS[0].name}/main.py:", timeout=60)
        watcher.wait_for("Watching the", timeout=10)
        (chapter.folder(repo) / "plays.tsv").write_text("an output\n")
        (chapter.folder(repo) / "notes").mkdir()
        time.sleep(5 * watch.POLL_EVERY_MS / 1000)  # seen by now, if it were
        main = chapter.folder(repo) / "main.py"
        main.write_text(main.read_text() + "# saved once more\n")
        watcher.wait_for(f"Saved {chapter.name}/main.py: checking", timeout=10)
        checking = [line for line in watcher.seen if line.endswith("checking...")]
        assert checking == [f"Saved {chapter.name}/main.py: checking..."], watcher.seen
        todo = todos(main.read_text())[0]
        watcher.wait_for(f"next: {chapter.name}/main.py:{todo.line}: TODO 1: {todo.text}", timeout=60)
        watcher.wait_for(f"Fill in {chapter.name}/main.py, then run: make check CHAPTER={chapter.name}", timeout=10)
        watcher.wait_for(f"Hint 1 of 3 for {chapter.name}/main.py:{todo.line}, TODO 1:", timeout=10)
        assert watcher.interrupt() in (0, 130, -signal.SIGINT)
    finally:
        watcher.stop()


SWALLOWED = """\
import os, signal, sys, time
from tools.chapters import STOPS, raise_if_stopped, stop_as_on_ctrl_c

for number in STOPS:
    signal.signal(number, stop_as_on_ctrl_c)


class Collected:
    def __del__(self):  # Python ignores what a __del__ raises: the Ctrl-C's KeyboardInterrupt too
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)


Collected()
try:
    for _ in range(100):  # a tool's loop that waits, as make watch's does
        raise_if_stopped()
        time.sleep(0.01)
    print("never stopped")
except KeyboardInterrupt:
    print("stopped")
"""


def test_a_ctrl_c_whose_keyboard_interrupt_python_ignored_still_stops_a_loop(tmp_path):
    """A Ctrl-C that came while a Popen was being collected (make watch, just
    after a check) raised in its __del__, where Python ignores exceptions;
    and the later ones are let go. make watch then ran on, with no way to stop it."""
    result = subprocess.run([sys.executable, "-c", SWALLOWED], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "Exception ignored in" in result.stderr, result.stderr  # as it happens
    assert result.stdout == "stopped\n", result.stdout + result.stderr


def test_watch_polls_where_file_events_go_missing(monkeypatch, tmp_path):
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)
    monkeypatch.setattr(watch.sys, "platform", "linux")
    version, dockerenv, containerenv = tmp_path / "version", tmp_path / "dockerenv", tmp_path / "containerenv"
    monkeypatch.setattr(watch, "PROC_VERSION", version)
    monkeypatch.setattr(watch, "CONTAINER_MARKS", (dockerenv, containerenv))
    version.write_text("Linux version 6.6.87.2-microsoft-standard-WSL2 (root@...) #1 SMP\n")
    assert watch.must_poll() is True, "WSL 2"
    version.write_text("Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) #1237\n")
    assert watch.must_poll() is True, "WSL 1"
    version.write_text("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n")
    assert watch.must_poll() is False, "Linux itself"
    for mark in (dockerenv, containerenv):
        mark.touch()
        assert watch.must_poll() is True, f"a container ({mark.name})"
        mark.unlink()
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "false")
    dockerenv.touch()
    assert watch.must_poll() is False, "the variable decides, as it does for watchfiles"
    monkeypatch.setattr(watch.sys, "platform", "darwin")
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING")
    assert watch.must_poll() is False, "macOS has file events"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["terminate", "terminal-closed"])
def test_watch_stopped_by_a_signal_stops_its_check_too(tmp_path, stop, processes_mentioning):
    """A closed terminal (SIGHUP) or a kill (SIGTERM) while a check runs code
    that never ends: the check runs in a session of its own, out of reach of
    the signal, so the watcher must stop it."""
    repo = fresh_repo(tmp_path / "repo", solved=False)
    solution = (CHAPTERS[0].folder(SOLUTIONS) / "main.py").read_text()
    endless = solution.replace("def run(self):\n", "def run(self):\n        while True:\n            pass\n")
    (CHAPTERS[0].folder(repo) / "main.py").write_text(endless)
    watcher = Watcher(repo, command_env(tmp_path / "tmp") | {"WATCHFILES_FORCE_POLLING": "true"})
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / "tmp").glob("check-*/output.txt")):  # the check's tests have started
            assert time.monotonic() < deadline, watcher.seen
            time.sleep(0.1)
        os.killpg(watcher.process.pid, stop)
        watcher.process.wait(timeout=30)
        watcher.wait_for_end()
        assert "Stopped watching." in watcher.seen, watcher.seen
        assert "Stopped." not in watcher.seen, "the check and the hint that it stops say nothing of it"
        deadline = time.monotonic() + check.GRACE + 15
        while processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_mentioning(str(tmp_path)) == [], f"{stop.name} left processes running"
    finally:
        watcher.stop()
