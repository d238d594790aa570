"""The soak (issue 19): kill the workshop's long-running commands at random
moments, many times, and count what each kill leaves behind.

In a fresh copy of the repo, each command is started as a terminal starts it
and, at a random moment after its tool's own Python process appears, that
process alone (not its process group) gets SIGKILL (kill -9, the OOM killer)
or SIGQUIT (Ctrl-\\), --rounds times each. The moment is drawn from the first
5 s of a command that never ends by itself (make check on an endless loop,
make watch), and from the lifetime of one that does (make run, make luigid
until its luigid answers), measured once beforehand. Then:

- missed: the tool had ended (or had not appeared) before its signal;
- hung: the command had not ended 60 s after the signal;
- running after 10 s: rounds in which a process of the copy still ran 10 s
  after the command ended (by its command line, folder or environment);
- running after next: the same, once the next command has run (make check of
  a chapter with open blanks, which sweeps; for make luigid, make luigid-stop);
- scratch left: rounds in which .workshop/scratch/ still held a folder after
  the next command;
- swept: rounds in which the next command said it removed what the kill left.

The commands: make check on an exercise that never ends (Basics' run() is an
endless loop), make watch on the same, make run CHAPTER=Visualization
QUICK=1 (on a luigid of its own), make luigid while it starts, and, with
--scale-out, make scale-out (its namespaces count as left behind too). make
luigid exists to leave its luigid running: a kill after it has started that
luigid leaves it to make luigid-stop, so its "running after 10 s" counts
that luigid, and "running after next" is the one that matters.

Whatever is left is ended (by pid) before the next round. Not part of make
test; make bench runs it with the default, two rounds (about a minute).

    python -m bench.soak [--rounds N] [--seed S] [--scale-out]
"""

import argparse
import contextlib
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

import psutil

from tools import clone, processes

SIGNALS = [signal.SIGKILL, signal.SIGQUIT]
SETTLE = 10  # seconds a command's processes get to end after it
ENDLESS = "while True:\n            __import__('time').sleep(0.1)"
NEXT = ["make", "check", "CHAPTER=CreateOutput"]  # blanks open: quick, and it sweeps first


@dataclass
class Command:
    label: str
    argv: list
    module: str  # the tool's own process: python -m module
    window: float | None  # the signal comes 0 to window s after that process appears; None: within its lifetime
    next: list = field(default_factory=lambda: NEXT)


COMMANDS = [
    Command("make check (endless loop)", ["make", "check"], "tools.attendee.check", 5.0),
    Command("make watch (endless loop)", ["make", "watch"], "tools.attendee.watch", 5.0),
    Command("make run Visualization QUICK=1", ["make", "run", "CHAPTER=6", "QUICK=1"], "tools.instructor.run", None),
    Command("make luigid (starting)", ["make", "luigid"], "tools.luigid", None, ["make", "luigid-stop"]),
]
# With --scale-out (Linux, as root: about 20 s a round): the next command is the sweep that the next
# make scale-out starts with, and what counts as left is also a namespace of a demo that is gone.
SCALE_OUT = Command(
    "make scale-out", ["make", "scale-out"], "tools.demos.scale_out", None,
    [sys.executable, "-c", "from tools.demos import scale_out; scale_out.sweep()"],
)  # fmt: skip


def namespaces_left():
    """The network namespaces of make scale-out runs whose owner is gone."""
    from tools.demos import scale_out

    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    owners = [re.fullmatch(rf"{scale_out.TAG}(\d+)-(\d+)-\w+", name) for name in listed]
    return [m[0] for m in owners if m and not processes.alive(int(m[1]), float(m[2]))]


@dataclass
class Counts:
    rounds: int = 0
    missed: int = 0
    hung: int = 0
    running_after_settle: int = 0
    running_after_next: int = 0
    scratch_left: int = 0
    swept: int = 0


def endless_copy(destination):
    """The files a fresh clone has (tracked, or new and not ignored), with Basics' run() an endless loop."""
    clone.copy_of_the_repo(destination)
    main = destination / "Basics" / "main.py"
    main.write_text(main.read_text().replace('raise NotImplementedError("TODO 1")', ENDLESS, 1))
    return destination


def no_core_dumps():
    """In the command's process: SIGQUIT's default action dumps core; none in the copy."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def tool_process(make, module, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and make.poll() is None:
        for child in psutil.Process(make.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.cmdline()[1:3] == ["-m", module]:
                    return child
        time.sleep(0.01)
    return None


def end(found):
    for process in found:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(found, timeout=5)


def start(command, repo, env, log):
    argv = command.argv + ([f"PORT={processes.free_port()}"] if command.module == "tools.luigid" else [])
    return subprocess.Popen(
        argv, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=no_core_dumps,
    )  # fmt: skip


def lifetime(command, repo, env, log):
    """For a command that ends by itself: how long its tool runs, from the moment its process appears."""
    make = start(command, repo, env, log)
    tool_process(make, command.module)
    appeared = time.monotonic()
    make.wait(300)
    taken = time.monotonic() - appeared
    subprocess.run(command.next, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=120)
    return taken


def one_round(command, number, repo, env, rng, log):
    """Start, signal, and count; returns a dict of what this round left."""
    make = start(command, repo, env, log)
    left = {"hung": False, "missed": False}
    try:
        tool = tool_process(make, command.module)
        if tool is not None:
            time.sleep(rng.uniform(0, command.window))
            try:
                tool.send_signal(number)
            except psutil.NoSuchProcess:
                left["missed"] = True
        else:
            left["missed"] = True
        try:
            make.wait(60)
        except subprocess.TimeoutExpired:
            left["hung"] = True
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)  # make's own group only: what the tool started is not in it
        make.wait()
    left["running_after_settle"] = bool(processes.running_in(repo, SETTLE))
    following = subprocess.run(
        command.next, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120
    )
    log.write(f"$ {' '.join(command.next)}\n{following.stdout}".encode())
    left["swept"] = "(Removed what a stopped" in following.stdout
    still = processes.running_in(repo, 2)
    left["running_after_next"] = bool(still) or (command is SCALE_OUT and bool(namespaces_left()))
    scratch = repo / ".workshop" / "scratch"
    folders = list(scratch.iterdir()) if scratch.is_dir() else []
    left["scratch_left"] = bool(folders)
    if still or folders:
        log.write(f"left: {[' '.join(p.cmdline()) for p in still if p.is_running()]} {folders}\n".encode())
    end(still)  # a clean start for the next round
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return left


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="kills per command and signal (default 2)")
    parser.add_argument("--seed", type=int, default=None, help="for the random moments (default: a fresh one)")
    parser.add_argument("--scale-out", action="store_true", help="make scale-out too (Linux, as root)")
    args = parser.parse_args(argv)
    commands = COMMANDS + ([SCALE_OUT] if args.scale_out else [])
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    table = {}
    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        repo = endless_copy(Path(scratch) / "repo")
        env = processes.command_env(Path(scratch) / "tmp") | {"WATCHFILES_FORCE_POLLING": "true"}
        print(f"Soak: {args.rounds} rounds per command and signal, seed {seed}, in {repo}", flush=True)
        with open(Path(scratch) / "soak.log", "ab") as log:
            for command in commands:
                if command.window is None:
                    taken = lifetime(command, repo, env, log)
                    command.window = 0.9 * taken
                    print(f"  {command.label}: runs {taken:.1f} s; signals within its first {command.window:.1f} s")
                for number in SIGNALS:
                    counts = table[command.label, number.name] = Counts()
                    for _ in range(args.rounds):
                        left = one_round(command, number, repo, env, rng, log)
                        counts.rounds += 1
                        for name, happened in left.items():
                            setattr(counts, name, getattr(counts, name) + happened)
                    print(f"  {command.label}, {number.name}: {counts.rounds} rounds", flush=True)
            subprocess.run(["make", "luigid-stop"], cwd=repo, env=env, capture_output=True)
        left_over = processes.running_in(repo, 2)
        end(left_over)
    header = ["command", "signal", *(f.name.replace("_", " ").replace("settle", "10 s") for f in fields(Counts))]
    rows = [[label, name, *(getattr(c, f.name) for f in fields(Counts))] for (label, name), c in table.items()]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
    bad = sum(c.hung + c.running_after_next + c.scratch_left for c in table.values())
    print("\nNothing left behind after the next command." if not bad else f"\n{bad} rounds left something behind.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
