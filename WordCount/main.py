"""Chapter 5, WordCount: the words of a week of texts, counted in one task, or one task per day.

python main.py WordCount --date-interval 2026-W45 --local-scheduler
head -n 5 wordcount-2026-W45.tsv
"""

import collections
import re
import sys

import luigi
import luigi.retcodes

WORD = re.compile(r"[a-z]+")


class InputText(luigi.ExternalTask):
    """The text of one day, written by someone else: luigi only checks that it is there."""

    date = luigi.DateParameter()

    def output(self):
        # TODO 1: return a luigi.LocalTarget for data/<date>.txt (f"{self.date}" is 2026-11-02)
        raise NotImplementedError("TODO 1")


class WordCount(luigi.Task):
    date_interval = luigi.DateIntervalParameter(description="The days to count, e.g. 2026-W45")

    def requires(self):
        # TODO 2: return a list of InputText, one for each date of self.date_interval.dates()
        raise NotImplementedError("TODO 2")

    def output(self):
        return luigi.LocalTarget(f"wordcount-{self.date_interval}.tsv")

    def run(self):
        write_counts(count_words(day.path for day in self.input()), self.output())


def count_words(paths):
    counts = collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as text:  # plain open(): reading needs no atomic write
            for line in text:
                # TODO 3: add the words of line to counts: WORD.findall on the line in lower case
                raise NotImplementedError("TODO 3")
    return counts


def write_counts(counts, target):
    # TODO 4: ranking = counts.items(), sorted by count, highest first, and equal counts by word, A to Z
    raise NotImplementedError("TODO 4")

    with target.open("w") as out:
        for word, count in ranking:
            out.write(f"{word}\t{count}\n")


class CountDay(luigi.Task):
    """The count of one day: a piece of the fan-out."""

    date = luigi.DateParameter()

    def requires(self):
        return InputText(self.date)

    def output(self):
        return luigi.LocalTarget(f"daycount-{self.date}.tsv")

    def run(self):
        write_counts(count_words([self.input().path]), self.output())


class ParallelWordCount(luigi.Task):
    """WordCount's count, from one CountDay per day: the fan-in."""

    date_interval = luigi.DateIntervalParameter(description="The days to count, e.g. 2026-W45")

    def requires(self):
        return [CountDay(date) for date in self.date_interval.dates()]

    def output(self):
        return luigi.LocalTarget(f"wordcount-parallel-{self.date_interval}.tsv")

    def run(self):
        counts = collections.Counter()
        for day in self.input():
            with open(day.path, encoding="utf-8") as lines:
                for line in lines:
                    word, count = line.split("\t")
                    counts[word] += int(count)
        write_counts(counts, self.output())


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
