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

    python bench/wordcount.py [--megabytes 50] [--repeat 5]
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
    """The big text as one day (folder/one/data/) and as DAYS days (folder/days/data/)."""
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
    for run_folder in (folder / "one", folder / "days"):
        (run_folder / "luigi.cfg").symlink_to(ROOT / "luigi.cfg")


def ways(folder, source):
    """(name, folder to run in, command, output file, outputs to delete before a run)."""
    python = sys.executable
    interval = f"{FIRST}-{FIRST + timedelta(days=DAYS)}"
    return [
        (
            "luigi WordCount (1 task)",
            folder / "one",
            [python, CHAPTER / "main.py", "WordCount", "--date-interval", str(FIRST), "--local-scheduler"],
            f"wordcount-{FIRST}.tsv",
            "wordcount-*.tsv",
        ),
        (
            "plain Python (Counter)",
            folder / "one",
            [python, ROOT / "bench" / "baselines" / "wordcount_counter.py", source, "plain.tsv"],
            "plain.tsv",
            "plain.tsv",
        ),
        (
            "shell: tr | sort | uniq -c",
            folder / "one",
            ["bash", "-c", SHELL.format(source=source, output="shell.tsv")],
            "shell.tsv",
            "shell.tsv",
        ),
        (
            f"luigi ParallelWordCount ({DAYS} days, --workers 2)",
            folder / "days",
            [python, CHAPTER / "main.py", "ParallelWordCount", "--date-interval", interval]
            + ["--local-scheduler", "--workers", "2"],
            f"wordcount-parallel-{interval}.tsv",
            "*count-*.tsv",
        ),
    ]


def measure(command, cwd, env):
    """Wall-clock seconds and peak resident memory (MB) of one run of command."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(part) for part in command], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # wait4 reports the process's resources, including those of its children:
    # ru_maxrss is the largest peak of any one of them, in KB on Linux.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed:\n{process.stderr.read().decode()}")
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50, help="size of the text (default: 50)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each way (default: 5)")
    parser.add_argument("--generate-into", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    env = dict(os.environ, LC_ALL="C", PYTHONHASHSEED="0")
    env.pop("LUIGI_CONFIG_PATH", None)
    if args.generate_into:
        generate(Path(args.generate_into), args.megabytes)
        return
    with tempfile.TemporaryDirectory(prefix="bench-wordcount-") as scratch:
        folder = Path(scratch)
        env["TMPDIR"] = str(folder)
        # In a process of its own, so that this one stays small: a child's peak
        # memory counts the memory of its parent at the moment it was started.
        command = [sys.executable, __file__, "--megabytes", str(args.megabytes), "--generate-into", folder]
        subprocess.run(command, check=True)
        source = folder / "one" / "data" / f"{FIRST}.txt"
        print(
            f"Word count of {source.stat().st_size / 1e6:.0f} MB of text, {args.repeat} runs of each way,"
            " in turns; the median time:",
            flush=True,
        )
        runs = {name: [] for name, *_ in ways(folder, source)}
        for _ in range(args.repeat):
            for name, cwd, command, _, stale in ways(folder, source):
                for old in cwd.glob(stale):
                    old.unlink()
                runs[name].append(measure(command, cwd, env))
                print(".", end="", flush=True)
        print()
        outputs = {name: (cwd / output).read_bytes() for name, cwd, _, output, _ in ways(folder, source)}
    if len(set(outputs.values())) != 1:
        raise SystemExit("error: the four ways do not write the same counts: " + ", ".join(outputs))

    plain = statistics.median(seconds for seconds, _ in runs["plain Python (Counter)"])
    print("\n| way | time (s) | peak memory (MB) | time / plain Python |\n|---|---:|---:|---:|")
    for name, results in runs.items():
        seconds = statistics.median(s for s, _ in results)
        memory = max(m for _, m in results)
        print(f"| {name} | {seconds:.2f} | {memory:.0f} | {seconds / plain:.2f}x |")
    print(
        f"\nAll four wrote the same {len(next(iter(outputs.values())))} bytes."
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}, {cpu_model()}"
    )


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
