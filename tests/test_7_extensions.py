"""Chapter 7, Extensions: a parameter type, a base task, a SQLite target and a shared resource."""

import collections
import contextlib
import datetime
import re
import sqlite3
import time
from pathlib import Path

import luigi
import pytest

from tools.check import show

CHAPTER = "Extensions"
WEEK = "2026-W48"
MONDAY = datetime.date(2026, 11, 23)  # the Monday of 2026-W48, from a calendar


def monday_of(year, week):
    """The Monday of an ISO week, by the rule that 4 January is always in week 1."""
    january_4 = datetime.date(year, 1, 4)
    return january_4 - datetime.timedelta(days=january_4.weekday()) + datetime.timedelta(weeks=week - 1)


def query(database, sql, *args):
    with contextlib.closing(sqlite3.connect(database)) as db:
        return db.execute(sql, args).fetchall()


def test_todo1_week_parameter_reads_an_iso_week(chapter):
    main = chapter.load()
    param = main.WeekParameter()
    for year, week in [(2026, 48), (2026, 1), (2026, 53), (2021, 1), (2027, 1)]:
        text = f"{year}-W{week:02d}"
        monday = param.parse(text)
        expected = monday_of(year, week)
        assert monday == expected, (
            f"WeekParameter().parse({text!r}) should be the Monday {show(expected)}, not {show(monday)}"
        )
        again = param.serialize(monday)
        assert again == text, f"serialize(parse({text!r})) should give {show(text)} back, not {show(again)}"


def test_todo1_a_week_of_an_early_year_keeps_four_digits(chapter):
    """The file names of the week, as make clean knows them: 0001-W01, not 1-W01."""
    param = chapter.load().WeekParameter()
    assert param.serialize(param.parse("0001-W01")) == "0001-W01"


@pytest.mark.parametrize(("text", "error"), [("2026-48", "2026-W48"), ("26-W48", "2026-W48"), ("2025-W53", "week")])
def test_todo1_week_parameter_refuses_what_is_not_a_week(chapter, text, error):
    main = chapter.load()
    try:
        parsed = main.WeekParameter().parse(text)
    except ValueError as refused:
        assert re.search(error, str(refused)), f"parse({text!r}) should say {show(error)} in its ValueError: {refused}"
    else:
        raise AssertionError(f"WeekParameter().parse({text!r}) should raise a ValueError, not return {show(parsed)}")


def test_todo2_output_path_comes_from_family_and_parameters(chapter):
    main = chapter.load()
    for task in (main.Plays, main.Chart):
        assert issubclass(task, main.AutoPathTask), f"{task.__name__} should be an AutoPathTask"
        assert "output" not in vars(task), f"{task.__name__} should inherit output() from AutoPathTask"
    plays = main.Plays(country="rs", week=MONDAY).output()
    assert isinstance(plays, luigi.LocalTarget), (
        f"AutoPathTask.output() should be a luigi.LocalTarget, not {show(plays)}"
    )
    cases = [
        (main.Plays(country="rs", week=MONDAY), f"output/Plays/country=rs,week={WEEK}.tsv"),
        (main.Plays(country="si", week=monday_of(2027, 1)), "output/Plays/country=si,week=2027-W01.tsv"),
        (main.Chart(week=MONDAY), f"output/Chart/week={WEEK}.tsv"),
    ]
    for task, expected in cases:
        path = task.output().path
        assert path == expected, f"{task} should write {show(expected)}, not {show(path)}"


def test_todo2_the_path_follows_the_task_id(chapter):
    """The family with its namespace, and only the significant parameters."""
    main = chapter.load()

    class Draft(main.AutoPathTask):
        task_namespace = "charts"
        week = main.WeekParameter()
        note = luigi.Parameter(default="", significant=False)

    path = Draft(week=MONDAY, note="a first try").output().path
    expected = f"output/charts.Draft/week={WEEK}.tsv"
    assert path == expected, (
        f"{path} should be {expected}: the family from get_task_family(), and only the significant parameters"
        " (to_str_params(only_significant=True)), as in the task id"
    )


def test_todo3_sqlite_target_exists_when_its_marker_row_does(chapter):
    main = chapter.load()
    target = main.SQLiteTarget("output/test.db", marker="LoadPlays_rs")
    found = target.exists()
    kind = "a cursor (call .fetchone() on it)" if isinstance(found, sqlite3.Cursor) else show(found)
    assert isinstance(found, bool), f"exists() must return True or False, not {kind}"
    assert not found, "a SQLiteTarget should not exist in a new database"
    query("output/test.db", "CREATE TABLE IF NOT EXISTS done (marker TEXT PRIMARY KEY)")
    with contextlib.closing(sqlite3.connect("output/test.db")) as db, db:
        db.execute("INSERT INTO done VALUES ('LoadPlays_hr')")
    assert not target.exists(), "a SQLiteTarget should not exist while only another marker is in the table done"
    with contextlib.closing(sqlite3.connect("output/test.db")) as db, db:
        db.execute("INSERT INTO done VALUES ('LoadPlays_rs')")
    assert target.exists(), "a SQLiteTarget should exist once its marker is in the table done"


def test_todo4_writes_and_marker_commit_together(chapter):
    main = chapter.load()
    target = main.SQLiteTarget("output/test.db", marker="LoadPlays_rs")
    with pytest.raises(RuntimeError), target.transaction() as db:
        db.execute("CREATE TABLE numbers (n INTEGER)")
        db.execute("INSERT INTO numbers VALUES (1)")
        raise RuntimeError("a task that fails half-way")
    assert query("output/test.db", "SELECT * FROM numbers") == [], "a transaction that fails should write no rows"
    assert query("output/test.db", "SELECT * FROM done") == [], "a transaction that fails should leave no marker"
    with target.transaction() as db:
        db.execute("INSERT INTO numbers VALUES (2)")
    assert query("output/test.db", "SELECT * FROM numbers") == [(2,)], "a transaction should commit its rows"
    markers = query("output/test.db", "SELECT marker FROM done")
    assert markers == [("LoadPlays_rs",)], (
        f"a transaction should insert its marker row in done, {show([('LoadPlays_rs',)])}, not {show(markers)}"
    )


def test_todo4_a_second_load_of_the_same_week_is_harmless(chapter):
    """Two commands started together may both find LoadPlays incomplete, and
    both run it: the second run must neither fail nor add rows."""
    main = chapter.load()
    load = main.LoadPlays(country="rs", week=MONDAY)
    first = chapter.build(load)
    assert first.status == luigi.LuigiStatusCode.SUCCESS, first.summary_text
    rows = query(main.DATABASE, "SELECT * FROM plays ORDER BY song")
    try:
        load.run()  # what the second command does, having found the week not loaded yet
    except sqlite3.IntegrityError as error:
        pytest.fail(
            f"loading the same week a second time failed: {error} (its marker row may be there: INSERT OR REPLACE)"
        )
    assert query(main.DATABASE, "SELECT * FROM plays ORDER BY song") == rows, "the same rows, not twice as many"
    markers = query(main.DATABASE, "SELECT marker FROM done")
    assert markers == [(load.task_id,)], f"one marker row, not {markers}"


def read_tsv(path):
    return [line.split("\t") for line in Path(path).read_text().splitlines()]


def test_documented_command_charts_the_week_from_every_country(chapter):
    result = chapter.cli()
    assert result.returncode == 0, f"`{chapter.chapter.command}` failed:\n{result.stdout}"
    folder = chapter.copy()
    plays = sorted((folder / "output" / "Plays").glob(f"country=*,week={WEEK}.tsv"))
    assert [p.name.split(",")[0] for p in plays] == [f"country={c}" for c in ["ba", "hr", "me", "rs", "si"]]
    totals = collections.Counter()
    for path in plays:
        rows = read_tsv(path)
        assert sorted(song for song, _ in rows) == ["battle scars", "call me maybe", "gangnam style"], path.name
        for song, count in rows:
            totals[song] += int(count)
    expected = [[song, str(total)] for song, total in totals.most_common()]
    chart = read_tsv(folder / "output" / "Chart" / f"week={WEEK}.tsv")
    assert chart == expected, f"the chart should be the total plays per song, most first: {expected}, not {chart}"
    database = folder / "output" / "plays.db"
    assert query(database, "SELECT COUNT(*) FROM plays") == [(15,)], "plays.db should hold 5 countries x 3 songs"
    assert query(database, "SELECT COUNT(*) FROM done") == [(5,)], "plays.db should hold one marker per LoadPlays"


def test_completeness_of_a_load_comes_from_the_database(chapter):
    main = chapter.load()
    load = main.LoadPlays(country="rs", week=MONDAY)
    first = chapter.build(load)
    assert first.status == luigi.LuigiStatusCode.SUCCESS, first.summary_text
    Path(load.input().path).unlink()
    again = chapter.build(main.LoadPlays(country="rs", week=MONDAY))
    assert again.status == luigi.LuigiStatusCode.SUCCESS, again.summary_text
    assert "Did not run any tasks" in again.summary_text, "a loaded LoadPlays should be complete by its marker row"
    assert not Path(load.input().path).exists(), "a complete LoadPlays should not make luigi rebuild its input"


def test_a_load_that_fails_half_way_leaves_nothing_behind(chapter):
    main = chapter.load()
    plays = main.Plays(country="rs", week=MONDAY).output().path
    Path(plays).parent.mkdir(parents=True)
    Path(plays).write_text("gangnam style\t10\ncall me maybe\t20\ngangnam style\t30\n")  # a song twice
    failed = chapter.build(main.LoadPlays(country="rs", week=MONDAY))
    assert failed.status == luigi.LuigiStatusCode.FAILED, "loading a song twice should fail"
    assert query(main.DATABASE, "SELECT * FROM plays") == [], "a failed load should leave no rows in plays"
    assert query(main.DATABASE, "SELECT * FROM done") == [], "a failed load should leave no marker row"

    Path(plays).write_text("gangnam style\t10\ncall me maybe\t20\n")
    fixed = chapter.build(main.LoadPlays(country="rs", week=MONDAY))
    assert fixed.status == luigi.LuigiStatusCode.SUCCESS, fixed.summary_text
    rows = query(main.DATABASE, "SELECT song, plays FROM plays ORDER BY song")
    assert rows == [("call me maybe", 20), ("gangnam style", 10)]


def test_loads_take_turns_at_the_database_whatever_the_workers(chapter):
    main = chapter.load()

    class TimedLoad(main.LoadPlays):
        def run(self):
            start = time.time()
            time.sleep(0.3)
            super().run()
            with open("times.txt", "a") as times:
                times.write(f"{start} {time.time()}\n")

    loads = [TimedLoad(country=country, week=MONDAY) for country in ("hr", "rs")]
    result = luigi.build(loads, local_scheduler=True, workers=2, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    (_, first_end), (second_start, _) = sorted(
        tuple(map(float, line.split())) for line in Path("times.txt").read_text().splitlines()
    )
    assert second_start >= first_end, "two LoadPlays ran at once: they should share resources = {'sqlite': 1}"


@pytest.mark.thorough
def test_two_identical_commands_at_the_same_instant_both_succeed(chapter):
    """--no-lock does what sometimes happens anyway: both commands get past
    luigi's lock, and both load the week."""
    command = f"{chapter.chapter.command} --no-lock"
    for trial in range(3):
        folder = chapter.workdir / f"trial-{trial}"
        chapter.chapter.copy(chapter.tree, folder)
        for result in chapter.twice_at_once(command, folder):
            assert result.returncode == 0, f"trial {trial}: one of two identical commands failed:\n{result.stdout}"
        database = folder / "output" / "plays.db"
        assert query(database, "SELECT COUNT(*) FROM plays") == [(15,)], f"trial {trial}: 5 countries x 3 songs"
        assert query(database, "SELECT COUNT(*) FROM done") == [(5,)], f"trial {trial}: one marker per LoadPlays"


@pytest.mark.parametrize(
    ("week", "error"),
    [
        ("2026-48", "ValueError: a week is written like 2026-W48"),
        ("2025-W53", "ValueError: Invalid week: 53"),
    ],
)
def test_a_bad_week_fails_before_anything_runs(chapter, week, error):
    result = chapter.cli(f"python main.py Chart --week {week} --local-scheduler")
    assert result.returncode != 0, f"--week {week} should fail"
    assert error in result.stdout, f"--week {week} should fail saying {error!r}:\n{result.stdout}"
    assert not chapter.written(), "nothing may be written when the week is wrong"
