"""Chapter 7, Extensions: a parameter type, a base task and a target of your own.

python main.py Chart --week 2026-W48 --local-scheduler
cat output/Chart/week=2026-W48.tsv
"""

import contextlib
import datetime
import random
import re
import sqlite3
import sys
from pathlib import Path

import luigi
import luigi.retcodes

COUNTRIES = ("ba", "hr", "me", "rs", "si")
SONGS = ("call me maybe", "gangnam style", "battle scars")
DATABASE = "output/plays.db"


class WeekParameter(luigi.Parameter):
    """An ISO week, 2026-W48 on the command line; in Python, the date of its Monday."""

    def parse(self, text):
        match = re.fullmatch(r"(\d{4})-W(\d{2})", text)
        if not match:
            raise ValueError(f"a week is written like 2026-W48, not {text!r}")
        # TODO 1: return the Monday of the week: datetime.date.fromisocalendar(year, week, 1), with ints
        raise NotImplementedError("TODO 1")

    def serialize(self, monday):
        year, week, _ = monday.isocalendar()
        return f"{year:04d}-W{week:02d}"


class AutoPathTask(luigi.Task):
    """A base task whose output is output/<family>/<name>=<value>,....tsv."""

    def output(self):
        # TODO 2: return that LocalTarget, from self.get_task_family() and self.to_str_params(only_significant=True)
        raise NotImplementedError("TODO 2")


class SQLiteTarget(luigi.Target):
    """A row in a database: it exists once the table done holds its marker."""

    def __init__(self, path, marker):
        self.path, self.marker = path, marker

    def connect(self):
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("CREATE TABLE IF NOT EXISTS done (marker TEXT PRIMARY KEY)")
        return db

    def exists(self):
        # TODO 3: return whether the table done holds self.marker, and close the connection
        raise NotImplementedError("TODO 3")

    @contextlib.contextmanager
    def transaction(self):
        """A connection whose writes commit together with the marker, or not at all."""
        with contextlib.closing(self.connect()) as db, db:
            yield db
            # TODO 4: add self.marker to the table done (INSERT OR REPLACE: a load may run twice)
            raise NotImplementedError("TODO 4")


class Plays(AutoPathTask):
    country = luigi.ChoiceParameter(choices=COUNTRIES)
    week = WeekParameter()

    def run(self):
        rng = random.Random(f"{self.country} {self.week}")  # made up, the same on every machine
        with self.output().open("w") as plays:
            for song in SONGS:
                plays.write(f"{song}\t{rng.randint(1000, 9999)}\n")


class LoadPlays(luigi.Task):
    country = luigi.ChoiceParameter(choices=COUNTRIES)
    week = WeekParameter()
    resources = {"sqlite": 1}  # one writer at a time, whatever the workers

    def requires(self):
        return Plays(country=self.country, week=self.week)

    def output(self):
        return SQLiteTarget(DATABASE, marker=self.task_id)

    def run(self):
        with self.input().open() as plays:
            rows = [(self.country, str(self.week), *line.rstrip("\n").split("\t")) for line in plays]
        with self.output().transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS plays (country, monday, song, plays INT, UNIQUE (country, monday, song))"
            )
            db.executemany("INSERT OR REPLACE INTO plays VALUES (?, ?, ?, ?)", rows)


class Chart(AutoPathTask):
    week = WeekParameter()

    def requires(self):
        return [LoadPlays(country=country, week=self.week) for country in COUNTRIES]

    def run(self):
        with contextlib.closing(sqlite3.connect(DATABASE)) as db:
            totals = db.execute(
                "SELECT song, SUM(plays) FROM plays WHERE monday = ? GROUP BY song ORDER BY 2 DESC, song",
                (str(self.week),),
            ).fetchall()
        with self.output().open("w") as chart:
            for song, total in totals:
                chart.write(f"{song}\t{total}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
