"""`make run`: the instructor's main job. Runs every chapter's solution with
its documented command, in workshop order, with luigi's live output, each in
a copy of its folder under one scratch directory; a chapter that needs the
central scheduler runs on the luigid of `make luigid` if there is one, else
on one of its own. Exits non-zero if any fails. --quick (`make run QUICK=1`)
runs with each chapter's quick settings: chapter 6's tasks pretend to work
for 0.04 s instead of 2 s, for a rehearsal.
"""

import argparse
import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import luigid
from tools.chapters import (
    CHAPTERS,
    SOLUTIONS,
    STOPS,
    command_env,
    raise_if_stopped,
    stop_as_on_ctrl_c,
    stop_group,
    wait_awake,
)


@contextlib.contextmanager
def scheduler_for(chapter, scratch, quick=False):
    """For a chapter that needs luigid: the one `make luigid` started, if it
    runs (so that a browser already open on it shows the graph on stage), or
    else one of its own on a free port. Yields a luigi configuration file
    that sends the chapter's command to it."""
    if not chapter.needs_luigid:
        yield None
        return
    shared = luigid.running()
    scheduler = shared or luigid.start_on_free_port(Path(scratch) / f"luigid-{chapter.name}")
    try:  # from here on, a Ctrl-C stops the luigid this run started
        print(f"(watch it at {scheduler.url}", end="")
        print(", the luigid of `make luigid`)" if shared else "; `make luigid` first keeps one running on port 8082)")
        if shared:
            wait_for_earlier_runs(shared)
        if quick and chapter.quick:
            print(f"(quick, with these settings: {' '.join(chapter.quick.split())})")
        sys.stdout.flush()
        yield scheduler.client_config(Path(scratch) / f"luigi-{chapter.name}.cfg", chapter.quick if quick else "")
    finally:
        if not shared:
            scheduler.stop()


def wait_for_earlier_runs(shared):
    """An earlier make run may have left tasks on the luigid of make luigid:
    running, or done moments ago."""
    wait_for_stopped_runs(shared)
    left, cooldown = shared.cooldown_left()
    if left > 0:
        print(
            f"(waiting {left:.1f} s: luigid marked a task done {cooldown - left:.1f} s ago, and for {cooldown:g} s"
            " after that it ignores a run that says the task is pending, [scheduler] stable_done_cooldown_secs;"
            " this run starts with none of the outputs)"
        )
        sys.stdout.flush()
        time.sleep(left)


def wait_for_stopped_runs(scheduler, most=150):
    """Wait (at most `most` seconds) until luigid lists no task as RUNNING. After
    a Ctrl-C, the stopped run's tasks stay RUNNING until luigid gives up on
    its worker, [scheduler] worker_disconnect_delay (60 s) after its last
    word; a new run meanwhile gets them "being run by another worker"."""
    running = scheduler.api("task_list", status="RUNNING", upstream_status="", search="")
    if not running:
        return
    delay = scheduler.setting("worker_disconnect_delay")
    print(
        f"(waiting: luigid lists {len(running)} tasks as running, most likely left by a stopped run; it gives them"
        f" up {delay} s after their worker's last word, [scheduler] worker_disconnect_delay)",
        flush=True,
    )
    start = time.monotonic()
    while running and time.monotonic() - start < most:
        time.sleep(2)  # each task_list also makes luigid prune: it notices the stopped worker at once
        running = scheduler.api("task_list", status="RUNNING", upstream_status="", search="")
    print(f"(waited {time.monotonic() - start:.0f} s)", flush=True)


def run(command, folder, env):
    """Run a chapter's command in a process group of its own; on Ctrl-C, stop
    all of it (the shell, python, luigi's worker processes) before its luigid
    goes, so that nothing is left trying to reach a scheduler that is gone.
    SIGTERM, not SIGINT: luigi's processes then end without a traceback each."""
    process = subprocess.Popen(command, shell=True, cwd=folder, env=env, start_new_session=True)
    try:
        return wait_awake(process)
    finally:
        stop_group(process, first=signal.SIGTERM)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="chapter 6's tasks take 0.04 s each, not 2 s")
    args = parser.parse_args(argv)
    # SIGTERM and SIGHUP (a closed terminal) stop it as Ctrl-C does, so that the
    # luigids this run started, and its scratch folder, go too.
    for number in STOPS:
        signal.signal(number, stop_as_on_ctrl_c)
    failed = []
    with tempfile.TemporaryDirectory(prefix="luigi-workshop-") as scratch:
        for chapter in CHAPTERS:
            folder = chapter.copy(SOLUTIONS, Path(scratch) / chapter.name)
            print(f"\n===== Chapter {chapter.number}: {chapter.name} =====", flush=True)
            with scheduler_for(chapter, scratch, args.quick) as config:
                for command in filter(None, [chapter.command, chapter.then]):
                    raise_if_stopped()
                    print(f"$ {command}", flush=True)
                    # Temporary files, and luigi's pid locks, in the scratch folder: a make run
                    # in another clone of the repo, at the same time, is not "already running".
                    code = run(command, folder, command_env(Path(scratch) / "tmp", config))
                    if code != 0:
                        break
            if code != 0:
                failed.append(f"{chapter.name} (exit code {code})")
    print(f"\n===== {len(CHAPTERS) - len(failed)} of {len(CHAPTERS)} chapters ran successfully =====")
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("\nStopped: every luigid that make run started is stopped.")
