"""`make bench`: how long an attendee waits for `make check` on a solved chapter.

make watch checks again on every save, so this is the wait after each one.
Targets: at most 1 s per chapter, and at most 4 s for `make check` of all
chapters at once, as the median of REPEAT runs, in turns. Runs in a fresh copy
of the repo (the files a clone has) with every solution filled in.

    python -m bench.check [--repeat 5]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.chapters import CHAPTERS
from tools.clone import copy_of_the_repo

PER_CHAPTER, ALL = 1.0, 4.0  # seconds


def solved_copy(destination):
    repo = copy_of_the_repo(destination, solved=True)
    (repo / ".venv").symlink_to(Path(sys.prefix))  # the venv this runs in
    return repo


def seconds(command, repo):
    started = time.perf_counter()
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed (exit code {done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, in turns (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-check-") as scratch:
        repo = solved_copy(Path(scratch) / "repo")
        commands = {c.name: ["make", "--no-print-directory", "check", f"CHAPTER={c.name}"] for c in CHAPTERS}
        commands["all chapters"] = ["make", "--no-print-directory", "check"]
        seconds(commands["all chapters"], repo)  # a first run, not counted: Python's bytecode of the tools
        times = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(seconds(command, repo))
    print(f"make check on each solved chapter: the median of {args.repeat} runs")
    print(f"  {'chapter':<16} {'median':>7}  {'target':>7}")
    slow = []
    for name, runs in times.items():
        target = ALL if name == "all chapters" else PER_CHAPTER
        median = statistics.median(runs)
        slow += [name] if median > target else []
        print(f"  {name:<16} {median:>5.2f} s  {target:>5.1f} s{'  SLOWER' if median > target else ''}", flush=True)
    print("Every check meets its target." if not slow else f"Slower than the target: {', '.join(slow)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
