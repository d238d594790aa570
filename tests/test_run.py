"""make run, the instructor's main job: every chapter's solution, live, with
its documented command; on the luigid of make luigid when there is one.
Stopped by every signal, kill -9 included: test_stops.py."""

import os
import re
import signal

import pytest
from running import Running

from tools import luigid, processes
from tools.chapters import CHAPTERS
from tools.processes import command_env


def test_run_goes_on_past_a_chapter_that_cannot_run_and_counts_it(repo, sh, git_status):
    """Every chapter runs; chapter 6 meets a luigid of make luigid's that does
    not answer (stopped, as with Ctrl-Z): it says so, and the rest run on."""
    assert sh(f"make luigid PORT={processes.free_port()}", repo).returncode == 0
    stuck = luigid.running(repo / ".luigid")
    os.kill(stuck.pid, signal.SIGSTOP)
    try:
        result = sh("make run QUICK=1", repo, timeout=300)
    finally:
        os.kill(stuck.pid, signal.SIGCONT)
        luigid.stop(repo / ".luigid")
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout
    for chapter in CHAPTERS:
        assert f"===== Chapter {chapter.number}: {chapter.name}" in result.stdout
    assert "error: Visualization could not run:" in result.stdout, result.stdout
    assert f"===== {len(CHAPTERS) - 1} of {len(CHAPTERS)} chapters ran successfully =====" in result.stdout
    assert git_status(repo) == [], "make run works in a scratch folder, not in the repo"


def test_run_twice_in_a_row_on_the_luigid_of_make_luigid(repo, sh):
    """The instructor rehearses, then presents, on one luigid: the second run
    comes within luigid's cool-down of the first, with none of its outputs."""
    try:
        result = sh(
            f"make luigid PORT={processes.free_port()} && make run QUICK=1 CHAPTER=6 && make run QUICK=1 CHAPTER=6",
            repo,
        )
    finally:
        luigid.stop(repo / ".luigid")
    assert result.returncode == 0 and result.stdout.count("===== 1 of 1 chapter ran successfully =====") == 2, (
        result.stdout
    )
    second = result.stdout.split("===== Chapter 6: Visualization =====")[2]
    assert "the luigid of `make luigid`" in second and "(quick, with these settings: [pace] seconds = 0.04)" in second
    assert re.search(r"\(waiting \d+\.\d s: luigid marked a task done", second), "the cool-down, waited for"
    assert "not granted run permission" not in second and re.search(r"\* 37 ran successfully", second), second


def test_a_run_stopped_in_chapter_6_leaves_nothing_running_and_the_next_one_waits(repo, sh, tmp_path, left_running):
    """Ctrl-C while chapter 6 runs on the luigid of make luigid: its processes
    all stop; its tasks stay RUNNING on luigid until it gives up on their worker
    (here 5 s, in the luigi.cfg that luigid reads, instead of 60), and the next
    make run waits for that rather than fail."""
    config = repo / "luigi.cfg"
    config.write_text(config.read_text() + "\n[scheduler]\nworker_disconnect_delay = 5\n")
    try:
        assert sh(f"make luigid PORT={processes.free_port()}", repo).returncode == 0
        scheduler = luigid.running(repo / ".luigid")
        run = Running(["make", "run", "CHAPTER=Visualization"], repo, command_env(tmp_path / "tmp"))
        run.wait_for("===== Chapter 6: Visualization =====", timeout=60)
        while not scheduler.api("task_list", status="RUNNING", upstream_status="", search=""):
            assert run.process.poll() is None, run.seen
        run.signal_group(signal.SIGINT)  # Ctrl-C: to make and make run, not to the chapter's own processes
        run.finish(timeout=60)
        stopped = "\n".join(run.seen)
        assert "Stopped: every process and luigid that make run started is stopped." in stopped, stopped
        assert "Traceback" not in stopped and left_running(repo / ".workshop" / "scratch") == []
        again = sh("make run QUICK=1 CHAPTER=Visualization", repo)
    finally:
        luigid.stop(repo / ".luigid")
    assert again.returncode == 0 and "1 of 1 chapter ran successfully" in again.stdout, again.stdout
    assert re.search(r"\(waiting: luigid lists \d+ tasks as running, most likely left by a stopped run", again.stdout)


@pytest.mark.parametrize(("quick", "flag"), [("1", "--quick"), ("yes", "--quick"), ("0", ""), ("", ""), ("2", None)])
def test_quick_means_what_it_says(repo, sh, quick, flag):
    result = sh(f"make -n run QUICK={quick}", repo)  # -n: what make would run
    if flag is None:
        assert (
            result.returncode != 0
            and f"QUICK={quick} means nothing here: QUICK=1 is a quick rehearsal" in result.stdout
        )
    else:
        assert (
            result.returncode == 0 and result.stdout.splitlines()[-1].split("tools.instructor.run")[1].strip() == flag
        )


def test_run_of_one_chapter_and_of_no_chapter(repo, sh):
    one = sh("make run CHAPTER=basics", repo)
    assert one.returncode == 0 and "Hello World" in one.stdout and "1 of 1 chapter ran successfully" in one.stdout
    wrong = sh("make run CHAPTER=--quick", repo)
    assert wrong.returncode != 0 and "there is no chapter '--quick'" in wrong.stdout, wrong.stdout
