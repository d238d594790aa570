"""Chapter 4, Dependencies: TopSongs needs the plays that Producer writes.

python main.py TopSongs --tld rs --local-scheduler
cat top-rs.file
"""

import collections
import random
import sys

import luigi
import luigi.retcodes

SONGS = ("call me maybe", "gangnam style", "battle scars")
COUNTRIES = ("ba", "hr", "me", "rs", "si")


class Producer(luigi.Task):
    """plays.tsv: 100 made-up play events, one a line: song, country, plays."""

    def output(self):
        return luigi.LocalTarget("plays.tsv")

    def run(self):
        rng = random.Random(2012)  # seeded, and its own: the same events on every machine
        with self.output().open("w") as plays:
            for _ in range(100):
                plays.write(f"{rng.choice(SONGS)}\t{rng.choice(COUNTRIES)}\t{rng.randrange(1, 1000)}\n")


class TopSongs(luigi.Task):
    """top-<tld>.file: the total plays of each song in one country, highest first."""

    # TODO 1: declare tld, a luigi.ChoiceParameter whose choices are COUNTRIES
    tld = luigi.ChoiceParameter(choices=COUNTRIES, description="A country, by its top-level domain")

    def requires(self):
        # TODO 2: return the task that this one needs
        return Producer()

    def output(self):
        return luigi.LocalTarget(f"top-{self.tld}.file")

    def run(self):
        totals = collections.Counter()
        # TODO 3: read self.input() line by line, and add the plays of each line of self.tld to totals[song]
        with self.input().open() as plays:
            for line in plays:
                song, tld, count = line.rstrip("\n").split("\t")
                if tld == self.tld:
                    totals[song] += int(count)
        # TODO 4: ranking = totals.items(), sorted by total, highest first, and equal totals by song, A to Z
        ranking = sorted(totals.items(), key=lambda item: (-item[1], item[0]))

        with self.output().open("w") as top:
            for song, total in ranking:
                top.write(f"{song}\t{total}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
