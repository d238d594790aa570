"""Chapter 6, Visualization: many tasks, several workers, one central scheduler.

So far every command ran with --local-scheduler: luigi planned the tasks
inside that one process. Here the tasks run against luigi's central
scheduler, luigid: a server that keeps the whole graph, hands each task to
exactly one worker, and shows it all in its web UI (the visualiser).

The graph: a Report needs 4 Merges, and each Merge needs 8 pieces of Work:
37 tasks. They only pretend to work (they sleep), but while they do, they
tell the scheduler how far they are, so you can watch them in the browser.

Run it from this folder, with luigid running (`make luigid`, here or in the repo root):

    python main.py --workers 4

and open http://localhost:8082 while it runs. `make clean` here removes the
dummy outputs, to run it again from the start.

Then look at:
- the dependency graph of Report(): tasks turn from pending (yellow) to
  running (blue) to done (green); the Workers tab shows the running tasks
  and their progress;
- run it again: nothing runs, because report.txt exists: the worker finds
  Report complete by its target, as it does with --local-scheduler;
- start the command in two terminals at once (add --no-lock, or luigi turns
  the second one away as "already running"): each task still runs once;
- --workers 1 against --workers 4: how much faster is it, and why not more?
- --pace-seconds 0.2 makes every task quick; --local-scheduler runs it
  without luigid, and without the visualiser.
"""

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import luigi
import luigi.cmdline_parser
import luigi.interface
import luigi.retcodes

GROUPS = 4
PARTS = 8  # pieces of work per group


class Report(luigi.Task):
    """The last task: it needs every Merge."""

    def requires(self):
        # TODO 1: return a list of one Merge task per group (group=0, 1, ... GROUPS - 1)
        raise NotImplementedError("TODO 1: replace this line with your code")

    def output(self):
        return luigi.LocalTarget("dummy-outputs/report.txt")

    def run(self):
        pretend_to_work(self)
        with self.output().open("w") as report:
            report.write(f"Report: {len(self.input())} groups of {PARTS} parts, all done\n")


class Merge(luigi.Task):
    """Merge the work of one group: it waits for all of its PARTS."""

    group = luigi.IntParameter()

    def requires(self):
        # TODO 2: return a list of the PARTS Work tasks of this group (part=0, 1, ... PARTS - 1)
        raise NotImplementedError("TODO 2: replace this line with your code")

    def output(self):
        return luigi.LocalTarget(f"dummy-outputs/merge-{self.group}.txt")

    def run(self):
        pretend_to_work(self)
        with self.output().open("w") as merged:
            merged.write(f"group {self.group}: {len(self.input())} parts merged\n")


class Work(luigi.Task):
    """One piece of (pretend) work."""

    group = luigi.IntParameter()
    part = luigi.IntParameter()

    # When several tasks are ready, the scheduler hands out the highest
    # priority first (the default is 0): all the Work before any Merge, so
    # that every worker keeps busy until the last layers.
    priority = 10

    def output(self):
        return luigi.LocalTarget(f"dummy-outputs/work-{self.group}-{self.part}.txt")

    def run(self):
        pretend_to_work(self)
        with self.output().open("w") as done:
            done.write(f"group {self.group}, part {self.part}: done\n")


class pace(luigi.Config):
    """How long each task pretends to work. A luigi.Config class is a set of
    settings: --pace-seconds on the command line, or [pace] seconds in luigi.cfg."""

    seconds = luigi.NumericalParameter(
        var_type=float,
        min_value=0.0,
        max_value=60.0,
        default=2.0,
        description="How many seconds each task pretends to work;",  # --help adds the permitted values
    )


def pretend_to_work(task, steps=4):
    """Sleep in a few steps, telling the scheduler how far the task is: the
    visualiser shows both on the running task."""
    for step in range(1, steps + 1):
        time.sleep(pace().seconds / steps)
        # TODO 3: report the progress, with task.set_progress_percentage(<0 to 100>)
        raise NotImplementedError("TODO 3: replace this line with your code")
        # TODO 4: say what the task is doing, with task.set_status_message("<some text>")
        raise NotImplementedError("TODO 4: replace this line with your code")


def check_before_running(argv):
    """Stop at once, with a hint, on what would fail only later: a --pace-seconds
    that every task would trip over, no worker at all, no luigid (luigi would
    try 3 times, 30 seconds apart, before giving up), or a proxy in the way."""
    with luigi.cmdline_parser.CmdlineParser.global_instance(argv):
        settings = luigi.interface.core()  # the options and luigi.cfg, as luigi reads them
        try:
            pace()  # a Config is read when a task first uses it: read it now, once
        except ValueError as error:  # luigi's own message, then what caused it
            sys.exit(f"error: --pace-seconds: {error.__cause__ or error}")
    if settings.workers < 1:
        sys.exit(f"error: --workers {settings.workers}: with no worker, no task would run. Give 1 or more.")
    if settings.local_scheduler:
        return
    url = settings.scheduler_url or f"http://{settings.scheduler_host}:{settings.scheduler_port}/"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        sys.exit(f"error: --scheduler-url {url!r} is not a web address such as http://localhost:8082/")
    proxy = urllib.request.getproxies().get(parts.scheme)  # luigi's calls to luigid go through it too
    if proxy and parts.hostname in ("localhost", "127.0.0.1") and not urllib.request.proxy_bypass(parts.hostname):
        sys.exit(
            f"error: the proxy {proxy} (http_proxy) would carry luigi's calls to the luigid at {url},\n"
            "and it cannot reach this machine's luigid. Add localhost to no_proxy: export no_proxy=localhost,127.0.0.1"
        )
    try:  # ask what only luigid answers: the task list, from its API
        with urllib.request.urlopen(url.rstrip("/") + "/api/task_list", timeout=5) as answer:
            is_luigid = "response" in json.load(answer)
    except (urllib.error.HTTPError, ValueError):
        is_luigid = False
    except OSError:  # urllib.error.URLError too: nothing answers
        sys.exit(
            f"error: no central scheduler answers at {url}\n"
            "Start one with `make luigid`, or add --local-scheduler to run without it."
        )
    if not is_luigid:
        sys.exit(
            f"error: something other than luigid answers at {url}\n"
            "Stop that program, or run luigid on another port and name it with --scheduler-port."
        )


if __name__ == "__main__":
    argv = ["Report", *sys.argv[1:]]  # the task to run is always Report
    check_before_running(argv)
    luigi.retcodes.run_with_retcodes(argv)
