"""Chapter 6, Visualization: 37 tasks on luigi's central scheduler, in its visualiser.

make luigid
python main.py --workers 4
"""

import sys
import time

import luigi
import luigi.retcodes
import preflight

GROUPS, PARTS = 4, 8  # a Report needs 4 Merges; a Merge needs 8 pieces of Work


class pace(luigi.Config):
    """How long each task pretends to work: --pace-seconds, or [pace] seconds in luigi.cfg."""

    seconds = luigi.FloatParameter(default=2.0)


class Report(luigi.Task):
    def requires(self):
        # TODO 1: return a list of one Merge per group: Merge(group=0), ..., Merge(group=GROUPS - 1)
        raise NotImplementedError("TODO 1")

    def output(self):
        return luigi.LocalTarget("dummy-outputs/report.txt")

    def run(self):
        pretend_to_work(self)
        with self.output().open("w") as report:
            report.write(f"Report: {len(self.input())} groups of {PARTS} parts, all done\n")


class Merge(luigi.Task):
    group = luigi.IntParameter()

    def requires(self):
        # TODO 2: return a list of the group's pieces of Work: Work(group=self.group, part=0), ..., part=PARTS - 1
        raise NotImplementedError("TODO 2")

    def output(self):
        return luigi.LocalTarget(f"dummy-outputs/merge-{self.group}.txt")

    def run(self):
        pretend_to_work(self)
        with self.output().open("w") as merged:
            merged.write(f"group {self.group}: {len(self.input())} parts merged\n")


class Work(luigi.Task):
    group = luigi.IntParameter()
    part = luigi.IntParameter()
    priority = 10  # the scheduler hands out every Work before any Merge

    def output(self):
        return luigi.LocalTarget(f"dummy-outputs/work-{self.group}-{self.part}.txt")

    def run(self):
        pretend_to_work(self)
        with self.output().open("w") as done:
            done.write(f"group {self.group}, part {self.part}: done\n")


def pretend_to_work(task, steps=4):
    for step in range(1, steps + 1):
        time.sleep(pace().seconds / steps)
        # TODO 3: tell the scheduler how far the task is, with task.set_progress_percentage(0 to 100)
        raise NotImplementedError("TODO 3")
        # TODO 4: tell it what the task is doing, with task.set_status_message("some words")
        raise NotImplementedError("TODO 4")


if __name__ == "__main__":
    argv = ["Report", *sys.argv[1:]]  # the task to run is always Report
    preflight.check(argv)  # stops at once, with a hint, on what luigi would fail on only after a minute
    luigi.retcodes.run_with_retcodes(argv)
