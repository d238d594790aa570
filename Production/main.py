"""Chapter 8, Production: the work of one night, a backfill of many, and an alert when a night fails.

python main.py Nightly --date 2026-11-02 --local-scheduler
python main.py RangeDaily --of Nightly --start 2026-11-02 --stop 2026-11-09 --now 1794268800 --local-scheduler
"""

import collections
import re
import shutil
import sys

import luigi
import luigi.retcodes

# TODO 1: import luigi.tools.range, where RangeDaily lives (luigi.cfg stops luigi from importing it for you)
raise NotImplementedError("TODO 1")

WORD = re.compile(r"[a-z]+")


class Nightly(luigi.WrapperTask):
    """All that one night does."""

    date = luigi.DateParameter()

    def requires(self):
        # TODO 2: return the night's two tasks: a CountWords and an Archive, both for self.date
        raise NotImplementedError("TODO 2")


class DayText(luigi.ExternalTask):
    """The day's text, delivered by another system before the night."""

    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"data/{self.date}.txt")


class CountWords(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return DayText(self.date)

    def output(self):
        return luigi.LocalTarget(f"nights/{self.date}.tsv")

    def run(self):
        with self.input().open() as text:
            counts = collections.Counter(WORD.findall(text.read().lower()))
        # TODO 3: a text without words is a broken delivery: raise a ValueError that names self.input().path
        raise NotImplementedError("TODO 3")

        with self.output().open("w") as out:
            for word, count in counts.most_common():
                out.write(f"{word}\t{count}\n")


class Archive(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return DayText(self.date)

    def output(self):
        return luigi.LocalTarget(f"archive/{self.date}.txt")

    def run(self):
        # Code that writes to a file name of its own (a copy, a download, another program)
        # gets a temporary name, renamed to the output only if the block ends without error.
        with self.output().temporary_path() as path:
            shutil.copyfile(self.input().path, path)


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
