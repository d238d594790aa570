"""`make watch`: check your exercises again each time you save a chapter's main.py.

Shows the progress table of `make check`, then the first hint for the next
blank (`make hint` shows more). Ctrl-C stops it.

    python -m tools.attendee.watch [--tree DIR]
"""

import argparse
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import watchfiles

from tools import processes
from tools.chapters import CHAPTERS, EXERCISES

POLL_EVERY_MS = 300
WAKE_EVERY_MS = 250


PROC_VERSION = Path("/proc/version")  # names Microsoft in WSL 1 and 2
CONTAINER_MARKS = (Path("/.dockerenv"), Path("/run/.containerenv"))  # Docker's, Podman's


def must_poll():
    """Whether to look at the files every POLL_EVERY_MS instead of waiting for
    the system's file events. Events go missing in WSL, for files on the
    Windows side, and in containers, for folders shared from a macOS or
    Windows host. Polling seven folders costs next to nothing, so poll
    whenever in doubt. WATCHFILES_FORCE_POLLING, when set, decides, as it does
    for watchfiles itself ("false" turns polling off)."""
    setting = os.environ.get("WATCHFILES_FORCE_POLLING")
    if setting:
        return setting.lower() not in {"false", "disable", "disabled"}
    if not sys.platform.startswith("linux"):
        return False  # macOS and Windows deliver their own file events
    with contextlib.suppress(OSError):
        if "microsoft" in PROC_VERSION.read_text().lower():
            return True
    return any(mark.exists() for mark in CONTAINER_MARKS)


def run(args):
    """Start a command of the workshop in a session of its own: the Ctrl-C
    meant for `make watch` stops the watcher, which then stops it. It ends
    with the watcher, whatever ends that (it runs under guard)."""
    # Its errors, too, come through the watcher, which shows them until Ctrl-C (and then not its "Stopped.").
    output = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, "errors": "replace"}
    return processes.start([sys.executable, "-m", *args], guard=True, **output)


def lines_of(process):
    """The lines that process prints, as they come, then its end. A thread
    reads them, and the main thread waits for each in short steps (a wait
    with no end could miss a Ctrl-C)."""
    lines = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()

    def in_turn():
        while True:
            processes.raise_if_stopped()
            try:
                line = lines.get(timeout=processes.WAKE_EVERY)
            except queue.Empty:
                continue
            if line is None:
                processes.wait(process)
                return
            yield line

    return in_turn()


def check_and_hint(tree, saved=None):
    """Print the progress table, then the first hint for the next blank. Both
    start at once, so that the hint (whose checker may run a chapter's tests
    too) is ready when the table is. After a save of chapter saved: the
    details and the hint are for the first chapter not done from that one on,
    and the chapters that passed before on the very same files need no check."""
    check = ["tools.attendee.check", "--tree", str(tree)]
    hint = ["tools.attendee.hint", "--first", "--tree", str(tree)]
    if saved:
        check += ["--trust-passed", "--focus", saved.name]
        hint += ["--from", saved.name]
    started = []
    try:
        with processes.held_back():
            started.append(run(check))
            started.append(run(hint))
        table, hint = map(lines_of, started)  # read at once: the hint must not wait for the pipe
        for line in table:
            print(line, end="", flush=True)
        print()
        print("".join(hint), end="", flush=True)
    finally:
        with processes.held_back():
            for process in started:
                processes.stop(process, first=signal.SIGTERM)


def main(argv=None):
    # Every stop (a closed terminal, Ctrl-\\ too) stops it as Ctrl-C does, so that the
    # check running in a session of its own is stopped too.
    processes.on_stop()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(EXERCISES), help="folder with the chapter folders (default: the repo)")
    args = parser.parse_args(argv)
    tree = Path(args.tree).resolve()
    files = {str(chapter.folder(tree) / "main.py") for chapter in CHAPTERS}
    homes = {str(chapter.folder(tree)) for chapter in CHAPTERS}
    poll = must_poll()

    def saved(change, path):  # or deleted: the check then says how to bring it back
        return path in files or path in homes  # a main.py, or a chapter folder gone or back

    def present():
        return [chapter.folder(tree) for chapter in CHAPTERS if chapter.folder(tree).is_dir()]

    def watch():
        """Watch the chapter folders there are, and the tree for folders that go
        or come back: a folder's watch ends with the folder (on file events)."""
        folders = present()
        watching = watchfiles.watch(
            tree,
            *folders,
            watch_filter=saved,
            force_polling=poll,
            poll_delay_ms=POLL_EVERY_MS,
            recursive=False,
            rust_timeout=WAKE_EVERY_MS,
            yield_on_timeout=True,  # an empty set every WAKE_EVERY_MS: the first one says it is watching
        )
        next(watching)
        return folders, watching

    watching = None
    try:
        # Watch first, check next: a file saved during the first check is checked again.
        folders, watching = watch()
        check_and_hint(tree)
        how = f"looking every {POLL_EVERY_MS / 1000:g} s" if poll else "on file events"
        print(f"\nWatching the {len(folders)} chapters' main.py ({how}). Save one to check again. Ctrl-C stops.")
        for chapter in CHAPTERS:
            if chapter.folder(tree) not in folders:
                print(f"{chapter.gone} It is watched again once it is back.")
        sys.stdout.flush()
        while (changes := next(watching, None)) is not None:
            processes.raise_if_stopped()
            # A chapter folder reported: gone, back, or gone and back at once (git
            # checkout), when its old watch ended with it. Watch anew, in any case.
            moved = set(present()) ^ set(folders)
            if moved or any(path in homes for _, path in changes):
                watching.close()
                folders, watching = watch()
            # Check on a main.py saved or deleted, or a chapter folder gone or back: not
            # on a folder reported for what happens in it (a run writing its outputs).
            paths = {Path(path) for _, path in changes if path in files} | moved
            if not paths:
                continue
            names = ", ".join(sorted(f"{p.relative_to(tree)}{'/' if str(p) in homes else ''}" for p in paths))
            gone = not any(p.exists() for p in paths)
            verb = "Deleted" if gone else "Back:" if moved else "Saved"
            focus = next(c for c in CHAPTERS if c.folder(tree) in {p if str(p) in homes else p.parent for p in paths})
            if sys.stdout.isatty():
                print("\033[2J\033[H", end="")  # a clear screen, as for a fresh start
            print(f"{verb} {names}: checking...\n", flush=True)
            check_and_hint(tree, focus)
            print("\nWatching again. Save a main.py to check again. Ctrl-C stops.", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        if watching:
            watching.close()
    print("\nStopped watching.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
