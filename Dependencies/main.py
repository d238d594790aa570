"""Chapter 4, Dependencies: a task that needs another task's output.

Producer writes plays.tsv: made-up play events, one per line, tab separated:
song, country code (the country's top-level domain) and number of plays.
TopSongs(tld) adds up the plays per song for one country and writes
top-<tld>.file, the highest total first.

TopSongs never runs Producer itself: its requires() names the task it needs.
luigi starts from the task you ask for. If that task is complete (like any
task with an output: once its file exists), luigi stops there, without even
asking what it requires. If not, luigi looks at its requirements the same way
and runs what is missing, requirements first. Inside run(), self.input() is
what requires() returned, with every task replaced by its output(): here, the
LocalTarget of plays.tsv, not the Producer task.

Run it from this folder:

    python main.py TopSongs --tld rs --local-scheduler
    cat top-rs.file

Then look at:
- run it with --tld hr: the summary says "1 complete ones were encountered"
  (Producer, whose plays.tsv is already there) and only TopSongs runs;
- run it with --tld xx: luigi refuses the value and lists the known codes;
- the tree of tasks, from this folder:
  PYTHONPATH=. luigi-deps-tree --module main TopSongs --tld rs
- delete plays.tsv and run again: nothing runs, and plays.tsv is not made
  again. Why? Unlike make, luigi never compares a file with its inputs: to
  redo the chart from new data, delete top-rs.file too.
"""

import collections
import random
import sys

import luigi
import luigi.retcodes

SONGS = ("call me maybe", "gangnam style", "battle scars")
COUNTRIES = ("ba", "hr", "me", "rs", "si")


class Producer(luigi.Task):
    """Write 100 made-up play events to plays.tsv: song, country, plays."""

    def output(self):
        return luigi.LocalTarget("plays.tsv")

    def run(self):
        # A random generator of our own, with a fixed seed: the same events on
        # every machine, every run and every version of Python and luigi. The
        # shared generator of the random module would not do: luigi's worker
        # draws from it too (and reseeds it in each task's process under --workers 2).
        rng = random.Random(2012)
        with self.output().open("w") as plays:
            for _ in range(100):
                plays.write(f"{rng.choice(SONGS)}\t{rng.choice(COUNTRIES)}\t{rng.randrange(1, 1000)}\n")


class TopSongs(luigi.Task):
    """The total plays of each song in one country, highest first."""

    # TODO 1: declare tld, a luigi.ChoiceParameter whose choices are COUNTRIES, with a description
    raise NotImplementedError("TODO 1: replace this line with your code")

    def requires(self):
        # TODO 2: return the task this one needs: a Producer
        raise NotImplementedError("TODO 2: replace this line with your code")

    def output(self):
        return luigi.LocalTarget(f"top-{self.tld}.file")

    def run(self):
        totals = collections.Counter()
        # TODO 3: read self.input() (the target of plays.tsv); add the plays of each line of self.tld to totals[song]
        raise NotImplementedError("TODO 3: replace this line with your code")
        # TODO 4: ranking = totals.items() sorted: highest total first, equal totals by song name (A to Z)
        raise NotImplementedError("TODO 4: replace this line with your code")

        with self.output().open("w") as top:
            for song, total in ranking:
                top.write(f"{song}\t{total}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
