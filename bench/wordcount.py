"""`make bench`, chapter 5: the word count on about 50 MB of text, four ways.

1. the chapter's WordCount task, through luigi's command line and local
   scheduler, on the text as one day's file;
2. a plain Python script with collections.Counter (bench/baselines/);
3. the classic shell pipeline: tr | sort | uniq -c | sort, with LC_ALL=C;
4. the chapter's ParallelWordCount with --workers 2, on the same text split
   into 8 days (two workers, eight equal pieces: no worker waits for the other).

The text is made of lines drawn at random (seeded) from the week of texts in
WordCount/data/, written to a temporary folder. Each way runs REPEAT times, in
turns, and the table shows the median wall-clock time, the peak memory (the
largest resident set of any one process of the run) and the ratio of times to
plain Python. All four must write the same bytes, or the benchmark fails.

    python -m bench.wordcount [--megabytes 50] [--repeat 7]
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "solutions" / "WordCount"
DAYS = 8
FIRST = date(2030, 1, 1)

SHELL = (
    "tr -cs 'A-Za-z' '\\n' < {source} | tr 'A-Z' 'a-z' | sort | uniq -c | sort -k1,1nr -k2,2"
    ' | awk \'$2 != "" {{ print $2 "\\t" $1 }}\' > {output}'
)


def generate(folder, megabytes, seed=2012):
    """The big text as one day (folder/one/data/), as DAYS days (folder/days/data/)
    and its first tenth as one day (folder/small/one/data/)."""
    lines = [
        line + "\n"
        for path in sorted((CHAPTER / "data").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(seed)
    size = megabytes * 1_000_000
    one, days = folder / "one" / "data", folder / "days" / "data"
    one.mkdir(parents=True)
    days.mkdir(parents=True)
    with open(one / f"{FIRST}.txt", "w", encoding="utf-8") as text:
        written = 0
        while written < size:
            chunk = "".join(rng.choices(lines, k=1000))
            text.write(chunk)
            written += len(chunk)
    # The same lines, cut into DAYS files of about the same size.
    with open(one / f"{FIRST}.txt", encoding="utf-8") as text:
        all_lines = text.readlines()
    per_day = -(-len(all_lines) // DAYS)
    for day in range(DAYS):
        with open(days / f"{FIRST + timedelta(days=day)}.txt", "w", encoding="utf-8") as out:
            out.writelines(all_lines[day * per_day : (day + 1) * per_day])
    # A tenth of it, to show that memory does not grow with the input.
    small = folder / "small" / "one" / "data"
    small.mkdir(parents=True)
    with open(small / f"{FIRST}.txt", "w", encoding="utf-8") as out:
        out.writelines(all_lines[: len(all_lines) // 10])
    for run_folder in (folder / "one", folder / "days", folder / "small" / "one"):
        (run_folder / "luigi.cfg").symlink_to(ROOT / "luigi.cfg")


SINGLE = "luigi WordCount (1 task)"
PLAIN = "plain Python (Counter)"
SHELL_WAY = "shell: tr, sort, uniq -c"
FANOUT = f"luigi ParallelWordCount ({DAYS} days, --workers 2)"


def ways(folder, source):
    """(name, folder to run in, command, output file, outputs to delete before a run)."""
    python = sys.executable
    interval = f"{FIRST}-{FIRST + timedelta(days=DAYS)}"
    return [
        (
            SINGLE,
            folder / "one",
            [python, CHAPTER / "main.py", "WordCount", "--date-interval", str(FIRST), "--local-scheduler"],
            f"wordcount-{FIRST}.tsv",
            "wordcount-*.tsv",
        ),
        (
            PLAIN,
            folder / "one",
            [python, ROOT / "bench" / "baselines" / "wordcount_counter.py", source, "plain.tsv"],
            "plain.tsv",
            "plain.tsv",
        ),
        (
            SHELL_WAY,
            folder / "one",
            ["bash", "-c", SHELL.format(source=source, output="shell.tsv")],
            "shell.tsv",
            "shell.tsv",
        ),
        (
            FANOUT,
            folder / "days",
            [python, CHAPTER / "main.py", "ParallelWordCount", "--date-interval", interval]
            + ["--local-scheduler", "--workers", "2"],
            f"wordcount-parallel-{interval}.tsv",
            "*count-*.tsv",
        ),
    ]


def measure(command, cwd, env):
    """Wall-clock seconds and peak resident memory (MB) of one run of command."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen([str(part) for part in command], cwd=cwd, env=env, stdout=log, stderr=log)
        # wait4 reports the resources of the process and of the children it
        # waited for: ru_maxrss is the largest peak of any one of them (in KB).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"{command} failed:\n{log.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50, help="size of the text (default: 50)")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each way (default: 7)")
    parser.add_argument("--generate-into", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_into:
        generate(Path(args.generate_into), args.megabytes)
        return

    env = dict(os.environ, LC_ALL="C")
    env.pop("LUIGI_CONFIG_PATH", None)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-wordcount-") as scratch:
        folder = Path(scratch)
        env["TMPDIR"] = str(folder)  # luigi's pid lock files too
        # In a process of its own, so that this one stays small: a child's peak
        # memory counts its parent's memory at the moment it was started.
        command = [sys.executable, __file__, "--megabytes", str(args.megabytes), "--generate-into", folder]
        subprocess.run(command, check=True)
        source = folder / "one" / "data" / f"{FIRST}.txt"
        print(f"Word count of {source.stat().st_size / 1e6:.0f} MB of text, {args.repeat} runs of each way, in turns")
        runs = {name: [] for name, *_ in ways(folder, source)}
        for _ in range(args.repeat):
            for name, cwd, command, _, stale in ways(folder, source):
                for old in cwd.glob(stale):
                    old.unlink()
                runs[name].append(measure(command, cwd, env))
                print(".", end="", flush=True)
        print()
        outputs = {name: (cwd / output).read_bytes() for name, cwd, _, output, _ in ways(folder, source)}
        # Memory should not grow with the input: the same task on a tenth of the text.
        _, cwd, command, *_ = ways(folder / "small", folder / "small" / "one" / "data" / f"{FIRST}.txt")[0]
        small = measure(command, cwd, env)[1]
    if len(set(outputs.values())) != 1:
        raise SystemExit("error: the four ways do not write the same counts: " + ", ".join(outputs))

    median = {name: statistics.median(s for s, _ in results) for name, results in runs.items()}
    plain = median[PLAIN]
    print("\n| way | median time (s) | best time (s) | peak memory (MB) | time / plain Python's |")
    print("|---|---:|---:|---:|---:|")
    for name, results in runs.items():
        best, memory = min(s for s, _ in results), max(m for _, m in results)
        print(f"| {name} | {median[name]:.2f} | {best:.2f} | {memory:.0f} | {median[name] / plain:.2f} |")
    biggest = max(m for results in runs.values() for _, m in results)
    print(
        f"\nAll four wrote the same {len(next(iter(outputs.values())))} bytes. Peak memory of {SINGLE}:"
        f" {small:.0f} MB on a tenth of the text, {max(m for _, m in runs[SINGLE]):.0f} MB on all of it."
        "\n(A peak includes the benchmark's own memory, about 14 MB, which a process has when it starts.)"
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores ({cpu_model()}), {platform.system()}"
        f" {platform.release()}, Python {platform.python_version()}; load average {load:.2f} before,"
        f" {os.getloadavg()[0]:.2f} after."
    )
    single, fanout = (median[name] / plain for name in (SINGLE, FANOUT))
    targets = [
        (f"{SINGLE} within 1.1 times plain Python's time", single <= 1.1),
        (f"{FANOUT} at least 1.5 times faster than plain Python", fanout <= 1 / 1.5),
        ("both luigi ways faster than the shell pipeline", max(median[SINGLE], median[FANOUT]) < median[SHELL_WAY]),
        ("peak memory under 100 MB", biggest < 100),
    ]
    print("\nTargets:")
    for target, met in targets:
        print(f"  {'met    ' if met else 'NOT met'}  {target}")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
