"""`make bench`, chapter 6: how much faster does the Visualization graph run
with 4 workers than with 1, on a real central scheduler?

Each run gets a luigid of its own (on a free port, stopped afterwards) and a
fresh copy of the solution, and runs the documented command with
--scheduler-port added. The tasks only sleep, so 4 workers could at best be
4 times faster; the graph's last layers leave some workers idle, so the
target is 3.5 times.

    python -m bench.visualization [--pace SECONDS]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import luigid
from tools.chapters import find
from tools.paths import SOLUTIONS
from tools.processes import command_env

TARGET = 3.5


def wall_time(workers, pace):
    chapter = find("Visualization")
    with tempfile.TemporaryDirectory(prefix="bench-visualization-") as scratch:
        scheduler = luigid.start_on_free_port(Path(scratch) / "luigid")
        try:
            folder = chapter.copy(SOLUTIONS, Path(scratch) / chapter.name)
            command = (
                f"{chapter.command.replace('4', str(workers))} --scheduler-port {scheduler.port} --pace-seconds {pace}"
            )
            started = time.perf_counter()
            done = subprocess.run(
                command,
                shell=True,
                cwd=folder,
                env=command_env(Path(scratch) / "tmp"),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            elapsed = time.perf_counter() - started
        finally:
            scheduler.stop()
    if done.returncode != 0:
        raise SystemExit(f"`{command}` failed (exit code {done.returncode}):\n{done.stdout}")
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pace", type=float, default=2.0, help="seconds each task sleeps (default: 2.0, as in main.py)"
    )
    args = parser.parse_args(argv)
    main_py = find("Visualization").folder(SOLUTIONS) / "main.py"
    print(f"Chapter 6, Visualization: {main_py.relative_to(SOLUTIONS.parent)}, tasks of {args.pace} s, on luigid")
    print(f"  {'workers':>7}  {'wall time':>9}  {'speedup':>7}", flush=True)
    times = {}
    for workers in (1, 4):
        times[workers] = wall_time(workers, args.pace)
        speedup = times[1] / times[workers]
        print(f"  {workers:>7}  {times[workers]:>7.1f} s  {speedup:>6.2f}x", flush=True)
    speedup = times[1] / times[4]
    verdict = "meets" if speedup >= TARGET else "is BELOW"
    print(f"Speedup with 4 workers: {speedup:.2f}x (ideal 4x), which {verdict} the target of {TARGET}x.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
