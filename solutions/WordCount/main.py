"""Chapter 5, WordCount: external inputs, a date interval, and a fan-out.

The input is one text file per day, data/<YYYY-MM-DD>.txt, written by someone
else: no task of ours makes it. InputText stands for such a file: it is a
luigi.ExternalTask, a task with an output but no run(). luigi never runs it;
it only checks that the file exists.

WordCount(date_interval) counts the words of every day in the interval, for
example 2026-W45 (the ISO week from Monday 2 to Sunday 8 November 2026), and
writes wordcount-<interval>.tsv: one "word<TAB>count" line per word, the most
frequent first, words with the same count in alphabetical order. An interval
is the days from its start date up to, not including, its end date; one
without a day, such as 2026-11-05-2026-11-02, is refused before anything runs.

The counting rules: a word is a run of the letters a to z, and case does not
matter (words are counted in lower case). Everything else separates words:
"Don't stop-me now, 42 times!" is the six words don, t, stop, me, now and
times ("42" is not a word).

ParallelWordCount gives the same result another way: one CountDay task per
day (the fan-out), then one task that adds their counts up (the fan-in). With
--workers 2, luigi runs two CountDay tasks at a time, in two processes.

Run it from this folder:

    python main.py WordCount --date-interval 2026-W45 --local-scheduler
    head -n 5 wordcount-2026-W45.tsv

Then look at:
- the same count, fanned out over two worker processes:
  python main.py ParallelWordCount --date-interval 2026-W45 --local-scheduler --workers 2
- a week with a missing day, 2026-11-03-2026-11-10: luigi runs nothing and
  says which input is missing;
- which words appear only once in the week?
"""

import collections
import logging
import re
import sys

import luigi
import luigi.retcodes

WORD = re.compile(r"[a-z]+")


class InputText(luigi.ExternalTask):
    """The text of one day, written by someone else."""

    date = luigi.DateParameter()

    def output(self):
        # TODO 1: return a luigi.LocalTarget for data/<date>.txt, e.g. data/2026-11-02.txt (f"{self.date}" gives that)
        return luigi.LocalTarget(f"data/{self.date}.txt")


@InputText.event_handler(luigi.Event.DEPENDENCY_MISSING)
def name_the_missing_file(task):
    """luigi names the task whose data is missing; say which file that is."""
    logging.getLogger("luigi-interface").warning("Missing input file: %s", task.output().path)


class DaysParameter(luigi.DateIntervalParameter):
    """A date interval with at least one day in it."""

    def normalize(self, interval):
        # luigi checks the value when it makes the task, before anything runs: an
        # interval without a day would write an empty count that looks complete.
        if not interval.dates():
            raise ValueError(f"the interval {interval} holds no day (its end date is not included)")
        return interval


class WordCount(luigi.Task):
    """Count the words of every day in an interval, in one task."""

    date_interval = DaysParameter(description="The days to count, e.g. 2026-W45 or 2026-11-02-2026-11-05")

    def requires(self):
        # TODO 2: return a list of InputText, one for each day in self.date_interval.dates()
        return [InputText(date) for date in self.date_interval.dates()]

    def output(self):
        return luigi.LocalTarget(f"wordcount-{self.date_interval}.tsv")

    def run(self):
        write_counts(count_words(day.path for day in self.input()), self.output())


def count_words(paths):
    """The words of the files at paths, counted by the rules above."""
    counts = collections.Counter()
    for path in paths:
        # The built-in open() on the target's path, rather than target.open():
        # luigi's file wrapper makes reading itself several times slower (the
        # whole count takes 1.3 times as long), and reading needs none of its
        # atomicity (writing does: see write_counts).
        with open(path, encoding="utf-8") as text:
            # Whole lines, about 64 KB at a time: fast, and memory stays small
            # however big the file (text.read() would hold all of it at once).
            while lines := text.readlines(64 * 1024):
                # TODO 3: add the words of lines to counts: join them, lower-case, then WORD.findall
                counts.update(WORD.findall("".join(lines).lower()))
    return counts


def write_counts(counts, target):
    """Write "word<TAB>count" lines to target, the most frequent word first."""
    # TODO 4: ranking = counts.items() sorted: highest count first, equal counts by word (A to Z)
    ranking = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    # Through target.open("w"), so that the file appears only once complete.
    with target.open("w") as out:
        for word, count in ranking:
            out.write(f"{word}\t{count}\n")


class CountDay(luigi.Task):
    """The word count of one day: a piece of the fan-out."""

    date = luigi.DateParameter()

    def requires(self):
        return InputText(self.date)

    def output(self):
        return luigi.LocalTarget(f"daycount-{self.date}.tsv")

    def run(self):
        write_counts(count_words([self.input().path]), self.output())


class ParallelWordCount(luigi.Task):
    """The same count as WordCount, from one CountDay per day (the fan-in)."""

    date_interval = DaysParameter(description="The days to count, e.g. 2026-W45 or 2026-11-02-2026-11-05")

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
