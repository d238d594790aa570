"""`make run`: the instructor's main job. Runs every chapter's solution (or
CHAPTER's) with its documented command, in workshop order, with luigi's live
output, each in a copy of its folder in a scratch folder of its own. A
chapter that needs the central scheduler runs on the luigid of `make luigid`
if there is one, else on one of its own. Exits non-zero if any chapter
fails; a chapter that cannot run says why, and the next one runs.
--quick (`make run QUICK=1`): each chapter's quick settings, for a rehearsal.

    python -m tools.instructor.run [--quick] [--] [CHAPTER]
"""

import argparse
import contextlib
import signal
import sys
import time
from pathlib import Path

from tools import luigid, processes
from tools.chapters import CHAPTERS, every, find
from tools.paths import SOLUTIONS


@contextlib.contextmanager
def scheduler_for(chapter, scratch, quick=False):
    """For a chapter that needs luigid: the one `make luigid` started, if it
    runs (a browser already open on it shows the graph on stage), or else one
    of its own on a free port. Yields a luigi configuration file that sends
    the chapter's command to it."""
    if not chapter.needs_luigid:
        yield None
        return
    shared = luigid.running()
    scheduler = shared or luigid.start_on_free_port(Path(scratch) / f"luigid-{chapter.name}")
    try:
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
    """An earlier make run may have left tasks on the luigid of make luigid: running, or done moments ago."""
    wait_for_stopped_runs(shared)
    left, cooldown = shared.cooldown_left()
    if left > 0:
        print(
            f"(waiting {left:.1f} s: luigid marked a task done {cooldown - left:.1f} s ago, and for {cooldown:g} s"
            " after that it ignores a run that says the task is pending, [scheduler] stable_done_cooldown_secs;"
            " this run starts with none of the outputs)",
            flush=True,
        )
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
    """Run a chapter's command as typed, under guard (it ends with this
    process, whatever ends it). On a stop, all of it stops, before its luigid
    goes; SIGTERM, not SIGINT: luigi's processes then end without a traceback each."""
    process = processes.start(command, guard=True, cwd=folder, env=env)
    try:
        return processes.wait(process)
    finally:
        processes.stop(process, first=signal.SIGTERM)


def run_chapter(chapter, scratch, quick):
    """Run one chapter's commands; returns what failed, in words, or None."""
    folder = chapter.copy(SOLUTIONS, Path(scratch) / chapter.name)
    try:
        with scheduler_for(chapter, scratch, quick) as config:
            for command in filter(None, [chapter.command, chapter.then]):
                processes.raise_if_stopped()
                print(f"$ {command}", flush=True)
                # Temporary files and luigi's pid locks in the scratch folder: a make run
                # in another clone of the repo, at the same time, is not "already running".
                code = run(command, folder, processes.command_env(Path(scratch) / "tmp", config))
                if code != 0:
                    return f"{chapter.name} (exit code {code})"
    except (luigid.LuigidError, OSError) as error:  # its luigid could not start, say
        print(f"error: {chapter.name} could not run: {error}", file=sys.stderr, flush=True)
        return f"{chapter.name} (could not run: see above)"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each chapter's quick settings, for a rehearsal")
    parser.add_argument("chapter", nargs="?", help="run only this chapter (its name or number)")
    args = parser.parse_args(argv)
    chapters = [find(args.chapter)] if args.chapter and not every(args.chapter) else CHAPTERS
    processes.on_stop()  # every stop: the luigids this run started, and its scratch folder, go too
    failed = []
    try:
        with processes.scratch("run") as scratch:
            for chapter in chapters:
                when = ", after the workshop" if chapter.after_workshop else ""
                print(f"\n===== Chapter {chapter.number}: {chapter.name}{when} =====", flush=True)
                if problem := run_chapter(chapter, scratch, args.quick):
                    failed.append(problem)
    except KeyboardInterrupt:
        print("\nStopped: every process and luigid that make run started is stopped.", file=sys.stderr)
        return 130
    ran = len(chapters) - len(failed)
    print(f"\n===== {ran} of {len(chapters)} chapter{'s' if len(chapters) != 1 else ''} ran successfully =====")
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
