"""Chapter 7, Extensions: luigi grows with plain Python classes.

The pipeline loads a week of (made-up) play counts per country into a SQLite
database, then charts the week's songs from it:

    Plays(country, week)    ->  LoadPlays(country, week)  ->  Chart(week)
    one .tsv file each          rows in output/plays.db       one .tsv file

It extends luigi in four ways:
- a parameter type: WeekParameter reads an ISO week such as 2026-W48 from the
  command line (parse) and writes it back (serialize) in task ids and names;
- a base task: AutoPathTask names the output file after the task's family and
  parameters, so Plays and Chart inherit output() instead of writing it;
- a target that is not a file: SQLiteTarget exists when its task's marker row
  is in the table `done`; the task's rows and the marker row commit in one
  transaction, so a load that fails half-way leaves neither behind, and a
  load done twice (two commands at once) leaves the same rows as one;
- a shared resource: however many workers a scheduler has, it runs only one
  LoadPlays at a time, the one writer that SQLite takes.

Run it from this folder:

    python main.py Chart --week 2026-W48 --local-scheduler
    cat output/Chart/week=2026-W48.tsv

Then look at:
- PYTHONPATH=. luigi-deps-tree --module main Chart --week 2026-W48 prints
  the task tree and what is complete, without running any task;
- --week 2026-48, or --week 2025-W53 (2025 has 52 weeks): the parameter
  refuses them before anything runs;
- run the command again: nothing runs, since Chart's file exists. Delete
  output/Chart and output/Plays, run again: only Chart runs. Why no Plays?
- --week 2026-W49 --workers 2: Plays tasks run side by side, LoadPlays one
  at a time (their resources); a [resources] section in luigi.cfg, e.g.
  sqlite = 2, would raise that limit;
- luigi.contrib ships targets and tasks for S3, HDFS, PostgreSQL, BigQuery,
  Spark, Kubernetes and more; contrib.postgres.PostgresTarget keeps a marker
  table just like SQLiteTarget.
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

COUNTRIES = ["ba", "hr", "me", "rs", "si"]
SONGS = ["call me maybe", "gangnam style", "battle scars"]
DATABASE = "output/plays.db"


class WeekParameter(luigi.Parameter):
    """An ISO week such as 2026-W48, whose value in Python is the date of its Monday."""

    def parse(self, text):
        match = re.fullmatch(r"(?P<year>\d{4})-W(?P<week>\d{2})", text)
        if not match:
            raise ValueError(f"a week is written like 2026-W48 (year, W, week number), not {text!r}")
        # TODO 1: return the Monday of that week: datetime.date.fromisocalendar(year, week, 1), as ints
        return datetime.date.fromisocalendar(int(match["year"]), int(match["week"]), 1)

    def serialize(self, monday):
        year, week, _ = monday.isocalendar()
        return f"{year:04d}-W{week:02d}"


class AutoPathTask(luigi.Task):
    """A base task whose output is output/<family>/<name=value,...>.tsv.

    The family is the class name, after "<task_namespace>." if the class has one.
    Two tasks of the same family with different parameters get different
    files; a subclass only writes run()."""

    def output(self):
        # The family is self.get_task_family(); the parameters, as text, are
        # self.to_str_params(only_significant=True): as in the task id, only the
        # significant ones (one declared significant=False makes no other task).
        # TODO 2: return LocalTarget output/<family>/<k=v,k=v,...>.tsv, with the k=v from those parameters
        name = ",".join(f"{key}={value}" for key, value in self.to_str_params(only_significant=True).items())
        return luigi.LocalTarget(f"output/{self.get_task_family()}/{name}.tsv")


class SQLiteTarget(luigi.Target):
    """Done when the table `done` of a SQLite database holds the row `marker`."""

    def __init__(self, path, marker):
        self.path = path
        self.marker = marker

    def connect(self):
        """A connection to the database; its folder, file and table done are made when missing."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("CREATE TABLE IF NOT EXISTS done (marker TEXT PRIMARY KEY)")
        return db

    def exists(self):
        # TODO 3: return whether the table done holds self.marker (SELECT with a connection from self.connect())
        with contextlib.closing(self.connect()) as db:
            return db.execute("SELECT 1 FROM done WHERE marker = ?", (self.marker,)).fetchone() is not None

    @contextlib.contextmanager
    def transaction(self):
        """A connection to write with; the writes and the marker row commit together, or not at all."""
        db = self.connect()
        try:
            with db:  # a transaction: commits when the block ends, rolls back if it raises
                yield db
                # TODO 4: insert self.marker into the table done, or replace it (a load done twice finds it there)
                db.execute("INSERT OR REPLACE INTO done VALUES (?)", (self.marker,))
        finally:
            db.close()


class Plays(AutoPathTask):
    """How often each song was played in one country in one week."""

    country = luigi.ChoiceParameter(choices=COUNTRIES, description="Country code (top-level domain)")
    week = WeekParameter(description="ISO week, for example 2026-W48")

    def run(self):
        counts = random.Random(f"{self.country} {self.week}")  # made up, but the same on every machine
        with self.output().open("w") as plays:
            for song in SONGS:
                plays.write(f"{song}\t{counts.randint(1000, 9999)}\n")


class LoadPlays(luigi.Task):
    """Copy one Plays file into the table plays of the database."""

    country = luigi.ChoiceParameter(choices=COUNTRIES, description="Country code (top-level domain)")
    week = WeekParameter(description="ISO week, for example 2026-W48")
    # SQLite takes one writer at a time: the scheduler runs one task holding "sqlite" at once.
    resources = {"sqlite": 1}

    def requires(self):
        return Plays(country=self.country, week=self.week)

    def output(self):
        return SQLiteTarget(DATABASE, marker=self.task_id)

    def run(self):
        with self.input().open() as plays:
            rows = [line.rstrip("\n").split("\t") for line in plays]
        with self.output().transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS plays (country TEXT, monday TEXT, song TEXT, plays INTEGER,"
                " PRIMARY KEY (country, monday, song))"
            )
            # Two commands started together may both load this week: the second replaces what the first wrote.
            db.execute("DELETE FROM plays WHERE country = ? AND monday = ?", (self.country, self.week.isoformat()))
            db.executemany(
                "INSERT INTO plays VALUES (?, ?, ?, ?)",
                [(self.country, self.week.isoformat(), song, int(count)) for song, count in rows],
            )


class Chart(AutoPathTask):
    """The week's songs over all countries, most played first, from the database."""

    week = WeekParameter(description="ISO week, for example 2026-W48")

    def requires(self):
        return [LoadPlays(country=country, week=self.week) for country in COUNTRIES]

    def run(self):
        with contextlib.closing(sqlite3.connect(DATABASE)) as db:
            totals = db.execute(
                "SELECT song, SUM(plays) FROM plays WHERE monday = ? GROUP BY song ORDER BY SUM(plays) DESC, song",
                (self.week.isoformat(),),
            ).fetchall()
        with self.output().open("w") as chart:
            for song, plays in totals:
                chart.write(f"{song}\t{plays}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
