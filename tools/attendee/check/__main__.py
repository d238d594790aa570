"""The command: python -m tools.attendee.check [options] [--] [CHAPTER]"""

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from tools import processes
from tools.attendee.check import __doc__ as about
from tools.attendee.check.report import report
from tools.attendee.check.run import STOP, TIME_LIMIT, check
from tools.chapters import CHAPTERS, EXERCISES, every, find

PARALLEL = max(2, os.cpu_count() or 2)  # chapters checked at the same time


def in_turn(futures):
    """Each future's result, in order, waiting in short steps: a wait with no end could miss a Ctrl-C."""
    for future in futures:
        while not wait([future], timeout=processes.WAKE_EVERY).done:
            processes.raise_if_stopped()
        yield future.result()


def main(argv=None):
    parser = argparse.ArgumentParser(description=about.splitlines()[0])
    parser.add_argument("chapter", nargs="?", help="check only this chapter (its name or number; all: every one)")
    parser.add_argument("--tree", default=str(EXERCISES), help="folder with the chapter folders (default: the repo)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds per chapter")
    parser.add_argument(
        "--trust-passed", action="store_true", help="skip a chapter that passed before on the same files"
    )
    parser.add_argument("--focus", help="details for the first chapter not done from this one on (make watch)")
    args = parser.parse_args(argv)
    chapter = None if every(args.chapter) or not args.chapter else args.chapter
    chapters = [find(chapter)] if chapter else CHAPTERS
    focus = find(args.focus) if args.focus else None
    tree = Path(args.tree).resolve()
    limit = int(args.time_limit) if args.time_limit == int(args.time_limit) else args.time_limit
    processes.on_stop()
    with processes.scratch("check") as scratch:
        pool = ThreadPoolExecutor(PARALLEL)
        try:
            futures = [pool.submit(check, c, tree, scratch, limit, args.trust_passed) for c in chapters]
            return report(in_turn(futures), tree, checked_all=not chapter, focus=focus)
        except KeyboardInterrupt:  # the tests run in sessions of their own: stop them here
            STOP.set()
            print("\nStopped.", file=sys.stderr)
            return 130
        finally:
            pool.shutdown(cancel_futures=True)


if __name__ == "__main__":
    sys.exit(main())
