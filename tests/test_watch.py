"""make watch, for real: `make watch` running in a fresh clone, a chapter's
main.py saved as an editor saves it, and Ctrl-C, with the system's file
events and with polling (what WSL and containers get). Stopped by other
signals, kill -9 included: test_stops.py."""

import os
import shutil
import signal
import sys
import time

import pytest
from running import Running

from tools.attendee import watch
from tools.blanks import todos
from tools.chapters import CHAPTERS
from tools.paths import ROOT, SOLUTIONS
from tools.processes import command_env


def save(chapter, repo, atomically, then=""):
    """Save a chapter's solution as its main.py, as editors save: a new file renamed over the old one, or the
    same file written again."""
    main = chapter.folder(repo) / "main.py"
    text = (chapter.folder(SOLUTIONS) / "main.py").read_text() + then
    if atomically:
        main.with_name("main.py.new").write_text(text)
        os.replace(main.with_name("main.py.new"), main)
    else:
        main.write_text(text)
    return time.monotonic()


@pytest.mark.parametrize(
    ("polling", "mode"), [("false", "on file events"), ("true", "looking every 0.3 s")], ids=["events", "polling"]
)
def test_watch_checks_again_on_save_and_stops_on_ctrl_c(repo, tmp_path, left_running, polling, mode):
    env = command_env(tmp_path / "tmp") | {"WATCHFILES_FORCE_POLLING": polling}
    first, second, last = CHAPTERS[0], CHAPTERS[1], CHAPTERS[-1]
    if polling == "true":  # and a chapter folder deleted by mistake
        shutil.rmtree(last.folder(repo))
    watcher = Running(["make", "watch"], repo, env)
    try:
        watcher.wait_for("chapters done.", timeout=60)
        watcher.wait_for(f"Hint 1 of 3 for {first.name}/main.py:", timeout=10)
        watched = len(CHAPTERS) - (polling == "true")
        watcher.wait_for(f"Watching the {watched} chapters' main.py ({mode})", timeout=10)
        imported = tmp_path / "imported"  # a line each time the tests import or run the first chapter's main.py
        saved = save(first, repo, atomically=polling == "false", then=f"open({str(imported)!r}, 'a').write('.\\n')\n")
        noticed = watcher.wait_for(f"Saved {first.name}/main.py: checking", timeout=10)
        assert noticed - saved < 3, f"noticed the save after {noticed - saved:.1f} s"
        watcher.wait_for("1 of 7 chapters done.", timeout=60)
        todo = todos((second.folder(repo) / "main.py").read_text())[0]
        watcher.wait_for(f"Hint 1 of 3 for {second.name}/main.py:{todo.line}, TODO 1: {todo.text}", 10)
        watcher.wait_for("Watching again", timeout=10)
        if polling == "false":  # a folder deleted, then brought back (git checkout): watched anew
            third, runs = CHAPTERS[2], imported.read_text()
            shutil.rmtree(third.folder(repo))
            watcher.wait_for(f"Deleted {third.name}/", timeout=10)
            watcher.wait_for("Watching again", timeout=60)
            assert imported.read_text() == runs, f"{first.name} passed on these very files: not checked again"
            shutil.copytree(third.folder(), third.folder(repo), symlinks=True)
            watcher.wait_for(f"Back: {third.name}/", timeout=10)
            watcher.wait_for("Watching again", timeout=60)
            save(third, repo, atomically=True)
            watcher.wait_for(f"Saved {third.name}/main.py: checking", timeout=10)
            watcher.wait_for("2 of 7 chapters done.", timeout=60)
        else:  # the folder missing at the start comes back; then Ctrl-C in the middle of a check
            shutil.copytree(last.folder(), last.folder(repo), symlinks=True)
            watcher.wait_for(f"Back: {last.name}/", timeout=10)
            watcher.wait_for("Watching again", timeout=60)
            save(second, repo, atomically=False)
            watcher.wait_for(f"Saved {second.name}/main.py: checking", timeout=10)
        watcher.signal_group(signal.SIGINT)
        assert watcher.finish() in (0, 130, -signal.SIGINT)
        output = "\n".join(watcher.seen)
        assert watcher.seen[-1] == "Stopped watching." and "Traceback" not in output, output
        assert left_running(repo) == [], "the check that was running stopped too"
    finally:
        watcher.stop()


def test_watch_follows_the_chapter_you_save_and_not_the_files_a_run_writes(repo, tmp_path):
    """A self-learner who starts at chapter 4: after a save, the details and the hint are for that
    chapter. Files that a run writes next to main.py change its folder, which polling sees: no check."""
    chapter = CHAPTERS[3]
    watcher = Running(["make", "watch"], repo, command_env(tmp_path / "tmp") | {"WATCHFILES_FORCE_POLLING": "true"})
    try:
        watcher.wait_for("Watching the", timeout=60)
        (chapter.folder(repo) / "plays.tsv").write_text("an output\n")
        time.sleep(5 * watch.POLL_EVERY_MS / 1000)  # seen by now, if it were
        main = chapter.folder(repo) / "main.py"
        main.write_text(main.read_text() + "# saved once more\n")
        watcher.wait_for(f"Saved {chapter.name}/main.py: checking", timeout=10)
        assert [line for line in watcher.seen if line.endswith("checking...")] == [
            f"Saved {chapter.name}/main.py: checking..."
        ]
        todo = todos(main.read_text())[0]
        watcher.wait_for(f"Fill in {chapter.name}/main.py, then run: make check CHAPTER={chapter.name}", timeout=60)
        watcher.wait_for(f"Hint 1 of 3 for {chapter.name}/main.py:{todo.line}, TODO 1:", timeout=10)
    finally:
        watcher.stop()


SWALLOWED = """\
import os, signal, sys, time
from tools import processes

processes.on_stop()


class Collected:
    def __del__(self):  # Python ignores what a __del__ raises: the Ctrl-C's KeyboardInterrupt too
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)


Collected()
try:
    for _ in range(100):  # a tool's loop that waits, as make watch's does
        processes.raise_if_stopped()
        time.sleep(0.01)
    print("never stopped")
except KeyboardInterrupt:
    print("stopped")
"""


def test_a_ctrl_c_whose_keyboard_interrupt_python_ignored_still_stops_a_loop():
    import subprocess

    result = subprocess.run([sys.executable, "-c", SWALLOWED], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "Exception ignored in" in result.stderr and result.stdout == "stopped\n", result.stdout + result.stderr


def test_watch_polls_where_file_events_go_missing(monkeypatch, tmp_path):
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)
    monkeypatch.setattr(watch.sys, "platform", "linux")
    version, dockerenv, containerenv = tmp_path / "version", tmp_path / "dockerenv", tmp_path / "containerenv"
    monkeypatch.setattr(watch, "PROC_VERSION", version)
    monkeypatch.setattr(watch, "CONTAINER_MARKS", (dockerenv, containerenv))
    version.write_text("Linux version 6.6.87.2-microsoft-standard-WSL2 (root@...) #1 SMP\n")
    assert watch.must_poll() is True, "WSL 2"
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
