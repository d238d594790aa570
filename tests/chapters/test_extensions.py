"""Chapter 7, Extensions: a parameter type, a base task, a target that is a row."""

import contextlib
import datetime
import functools
import re
import sqlite3
import subprocess
from pathlib import Path

import luigi
import psutil
import pytest
from harness import show

from tools import processes

WEEK, MONDAY = "2026-W48", datetime.date(2026, 11, 23)
COUNTRIES = ("ba", "hr", "me", "rs", "si")


def rows(path, sql, *values):
    """Run one statement on a database, in a transaction of its own, committed."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        return db.execute(sql, values).fetchall()


def monday_of(year, week):
    """Week 1 is the week of 4 January (ISO 8601)."""
    january_4 = datetime.date(year, 1, 4)
    return january_4 - datetime.timedelta(days=january_4.weekday()) + datetime.timedelta(weeks=week - 1)


def refuses(parameter, text):
    try:
        parameter.parse(text)
    except ValueError:
        return True
    return False


@pytest.mark.blank(1)
def test_a_week_is_read_as_its_monday(chapter):
    main = chapter.load()
    week = main.WeekParameter()
    for text, monday in ((WEEK, MONDAY), ("2027-W01", datetime.date(2027, 1, 4)), ("0099-W52", monday_of(99, 52))):
        got = week.parse(text)
        assert got == monday, f"WeekParameter should read {text} as {monday}, the Monday of that week, not {show(got)}"
    assert refuses(week, "2025-W53"), "2025 has 52 weeks: WeekParameter should refuse 2025-W53 (ValueError)"


@pytest.mark.blank(2)
def test_the_output_path_comes_from_the_family_and_the_parameters(chapter):
    main = chapter.load()

    class Probe(main.AutoPathTask):
        zeta = luigi.Parameter()
        alpha = luigi.IntParameter()
        note = luigi.Parameter(default="x", significant=False)

    for task, path in (
        (main.Plays(country="rs", week=MONDAY), f"output/Plays/country=rs,week={WEEK}.tsv"),
        (Probe(zeta="z", alpha=1), "output/Probe/zeta=z,alpha=1.tsv"),
    ):
        target = task.output()
        got = getattr(target, "path", None)
        assert isinstance(target, luigi.LocalTarget) and Path(got).resolve() == Path(path).resolve(), (
            f"{task}.output() should be the file {path}: the family, then each significant parameter as name=value,"
            f" in the order they are declared (as in the task's id), not {show(got or target)}"
        )


@pytest.mark.blank(3)
def test_the_target_exists_once_its_marker_is_in_the_table(chapter):
    main = chapter.load()
    target = main.SQLiteTarget("db/plays.db", marker="Load(rs)")
    try:
        exists = target.exists()
    except sqlite3.Error as error:
        raise AssertionError(
            f"exists() failed on a new database ({error}): open it with self.connect(), which makes its folder"
            " and the table done"
        ) from None
    assert not exists, "before its marker is in the table done, the target should not exist"
    rows("db/plays.db", "INSERT INTO done VALUES (?)", "Load(hr)")
    assert not target.exists(), "another task's marker in the table done does not make this target exist"
    with contextlib.closing(sqlite3.connect("db/plays.db")) as db, db:
        db.execute("INSERT INTO done VALUES (?)", ("Load(rs)",))
    assert target.exists(), "once the table done holds its marker, the target should exist"
    database = str(Path("db/plays.db").resolve())
    still_open = [f.path for f in psutil.Process().open_files() if f.path == database]
    assert not still_open, "exists() leaves its connection open: close it (with contextlib.closing(...) as db:)"


@pytest.fixture(autouse=True)
def quick_locks(monkeypatch):
    """In this process, a connection waits half a second, not five, for another one's lock."""
    monkeypatch.setattr(sqlite3, "connect", functools.partial(sqlite3.connect, timeout=0.5))


@pytest.mark.blank(4)
def test_the_rows_and_the_marker_commit_together(chapter):
    main = chapter.load()
    target = main.SQLiteTarget("db/plays.db", marker="Load(rs)")
    with contextlib.closing(target.connect()) as db, db:
        db.execute("CREATE TABLE plays (song)")
    with contextlib.suppress(RuntimeError), target.transaction() as db:
        db.execute("INSERT INTO plays VALUES ('half a load')")
        raise RuntimeError("a load that fails half-way (the test's)")
    assert rows("db/plays.db", "SELECT * FROM done") == [], "a load that fails leaves no marker behind"
    assert rows("db/plays.db", "SELECT * FROM plays") == [], "a load that fails leaves none of its rows behind"
    rows("db/plays.db", "CREATE TRIGGER no_marker BEFORE INSERT ON done BEGIN SELECT RAISE(ABORT, 'the test'); END")
    with contextlib.suppress(sqlite3.Error), target.transaction() as db:  # the marker cannot be written
        db.execute("INSERT INTO plays VALUES ('a load without its marker')")
    assert rows("db/plays.db", "SELECT * FROM plays") == [], (
        "the load's rows were committed without their marker: insert the marker with db, before the with block"
        " that commits ends, so that both commit together or neither does"
    )
    rows("db/plays.db", "DROP TRIGGER no_marker")
    try:
        for _ in range(2):  # a load done twice (two commands at once, say) is no error
            with target.transaction() as db:
                db.execute("INSERT INTO plays VALUES ('a song')")
    except sqlite3.IntegrityError:
        raise AssertionError(
            "a load that runs twice (two commands at once, say) fails on the marker that is already there: INSERT OR"
            " REPLACE keeps one row"
        ) from None
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        raise AssertionError(
            "write the marker with db, the connection of the transaction, not with another one"
        ) from None
    markers = rows("db/plays.db", "SELECT marker FROM done")
    assert markers == [("Load(rs)",)], (
        f"after a load, the table done should hold its marker, once, in the same transaction: {show(markers)}"
    )


def independent_chart(folder):
    totals = {}
    for plays in sorted((Path(folder) / "output" / "Plays").glob(f"country=*,week={WEEK}.tsv")):
        for line in plays.read_text().splitlines():
            song, count = line.split("\t")
            totals[song] = totals.get(song, 0) + int(count)
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def test_the_command_runs(chapter):
    """The chapter's command, run in this process: all of main.py works together."""
    ran = chapter.main(*("Chart", "--week", "2026-W48", "--local-scheduler"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_charts_the_week_from_every_country(ran):
    chapter, result = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    assert result.returncode == 0 and "* 11 ran successfully" in result.stdout, result.stdout
    folder = chapter.copy()
    chart = [
        (song, int(n))
        for song, n in (
            line.split("\t") for line in (folder / f"output/Chart/week={WEEK}.tsv").read_text().splitlines()
        )
    ]
    assert chart == independent_chart(folder) and len(chart) == 3
    assert len(rows(folder / "output/plays.db", "SELECT * FROM done")) == len(COUNTRIES)


@pytest.mark.thorough
def test_completeness_of_a_load_comes_from_the_database(chapter):
    assert chapter.main("Chart", "--week", WEEK, "--local-scheduler").code == 0
    folder = chapter.copy()
    for name in ("Chart", "Plays"):
        for path in (folder / "output" / name).iterdir():
            path.unlink()
    again = chapter.main("Chart", "--week", WEEK, "--local-scheduler")
    assert again.code == 0 and "* 1 ran successfully:\n    - 1 Chart(week=2026-W48)" in again.output, again
    assert not re.search(r"\bPlays\(", again.output), "the loads were complete: no Plays runs again"


@pytest.mark.thorough
def test_loads_take_turns_at_the_database_whatever_the_workers(chapter):
    ran = chapter.cli(f"{chapter.command} --workers 3")  # the log of each task's own process
    assert ran.returncode == 0, ran.stdout
    events = re.findall(r"(running|done) +LoadPlays\(", ran.stdout)
    assert events == ["running", "done"] * len(COUNTRIES), f"one LoadPlays at a time: {events}"


@pytest.mark.thorough
def test_two_identical_commands_at_the_same_instant_both_succeed(chapter):
    command = f"{chapter.command} --no-lock"
    env = processes.command_env(chapter.workdir / "tmp")
    both = [
        subprocess.Popen(
            command,
            shell=True,
            cwd=chapter.copy(),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert len(rows(chapter.copy() / "output/plays.db", "SELECT * FROM plays")) == 3 * len(COUNTRIES)


@pytest.mark.thorough
@pytest.mark.parametrize("week", ["2026-48", "2025-W53"])
def test_a_bad_week_fails_before_anything_runs(chapter, week):
    ran = chapter.main("Chart", "--week", week, "--local-scheduler")
    assert ran.code != 0 and "ValueError" in ran.output and not chapter.written(), ran
