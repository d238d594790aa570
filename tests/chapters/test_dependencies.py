"""Chapter 4, Dependencies: TopSongs requires Producer and reads its output."""

import csv
import random
from pathlib import Path

import luigi
import pytest
from harness import differences, first_difference, show, tasks_in

COUNTRIES = {"ba", "hr", "me", "rs", "si"}
SONGS = {"call me maybe", "gangnam style", "battle scars"}


def play_events(path="plays.tsv"):
    with open(path, newline="") as plays:
        return [(song, tld, int(plays)) for song, tld, plays in csv.reader(plays, delimiter="\t")]


def expected_top(tld, path="plays.tsv"):
    """The totals of one country, added up here, independently of main.py, highest first, ties by song."""
    totals = {}
    for song, country, plays in play_events(path):
        if country == tld:
            totals[song] = totals.get(song, 0) + plays
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def written_top(path):
    lines = Path(path).read_text().splitlines()
    return [(song, int(total)) for song, total in (line.split("\t") for line in lines)]


def producer_elsewhere(main, monkeypatch, events):
    """Producer, complete, with its plays in another file than plays.tsv: what
    TopSongs reads must come from self.input()."""
    monkeypatch.setattr(main.Producer, "output", lambda self: luigi.LocalTarget("elsewhere/events.tsv"))
    Path("elsewhere").mkdir()
    Path("elsewhere/events.tsv").write_text("".join(f"{song}\t{tld}\t{plays}\n" for song, tld, plays in events))


@pytest.mark.blank(1)
def test_tld_takes_the_known_countries_only(chapter):
    main = chapter.load()
    params = dict(main.TopSongs.get_params())
    assert "tld" in params, f"TopSongs should have a parameter called tld; it has {show(sorted(params))}"
    for code in sorted(COUNTRIES):
        try:
            taken = params["tld"].parse(code)
        except ValueError:
            taken = None
        assert taken == code, f"tld should take {code}, a country of COUNTRIES: choices=COUNTRIES"
    try:
        params["tld"].parse("xx")
    except ValueError:
        pass
    else:
        raise AssertionError("tld should refuse xx, a country not in COUNTRIES: a luigi.ChoiceParameter does")


@pytest.mark.blank(2)
def test_topsongs_requires_a_producer(chapter):
    main = chapter.load()
    required = main.TopSongs(tld="rs").requires()
    assert tasks_in(required) == [main.Producer()], (
        f"TopSongs.requires() should return {show(main.Producer())}, the task it needs, not {show(required)}"
    )


@pytest.mark.blank(3)
def test_totals_are_added_up_from_self_input(chapter, monkeypatch, caplog):
    main = chapter.load()
    rng = random.Random()  # other numbers on every run: nothing to learn by heart
    events = [(song, tld, rng.randrange(1, 50)) for song in sorted(SONGS) for tld in ("rs", "hr") for _ in range(3)]
    producer_elsewhere(main, monkeypatch, events)
    result = chapter.build(main.TopSongs(tld="rs"), main.TopSongs(tld="hr"))
    moved = "No such file or directory: 'plays.tsv'" in caplog.text  # luigi logs the error of a task that fails
    assert result.scheduling_succeeded, (
        "TopSongs should read the plays from self.input(): the target of the task that it requires (this test"
        " moved its file elsewhere)"
        if moved
        else f"TopSongs failed:\n{result.summary_text}"
    )
    for tld in ("rs", "hr"):
        written = dict(written_top(f"top-{tld}.file"))
        expected = dict(expected_top(tld, "elsewhere/events.tsv"))
        assert written == expected, f"top-{tld}.file should hold the totals of {tld}:\n" + differences(
            expected, written, "total"
        )


@pytest.mark.blank(4)
def test_highest_total_first_and_ties_by_song(chapter, monkeypatch):
    main = chapter.load()
    # gangnam style comes first in the file, so an order by first appearance (or
    # Counter.most_common(), which keeps it for ties) puts it before battle scars.
    events = [
        ("gangnam style", "rs", 9),
        ("call me maybe", "rs", 7),
        ("battle scars", "rs", 5),
        ("battle scars", "rs", 4),
    ]
    producer_elsewhere(main, monkeypatch, events)
    chapter.build(main.TopSongs(tld="rs"))
    written = written_top("top-rs.file") if Path("top-rs.file").exists() else []
    expected = [("battle scars", 9), ("gangnam style", 9), ("call me maybe", 7)]
    assert written == expected, (
        "top-rs.file lists the songs by total, highest first, and equal totals by song name, A to Z: "
        + first_difference(expected, written)
    )


def test_the_command_runs(chapter):
    """The chapter's command, run in this process: all of main.py works together."""
    ran = chapter.main(*("TopSongs", "--tld", "rs", "--local-scheduler"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_then_another_country_reuses_plays_tsv(ran):
    chapter, first = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    assert first.returncode == 0, first.stdout
    assert "* 2 ran successfully:\n    - 1 Producer()\n    - 1 TopSongs(tld=rs)" in first.stdout, first.stdout
    folder = chapter.copy()
    plays = (folder / "plays.tsv").read_bytes()
    assert written_top(folder / "top-rs.file") == expected_top("rs", folder / "plays.tsv")
    again = chapter.main("TopSongs", "--tld", "hr", "--local-scheduler")
    assert again.code == 0 and "* 1 complete ones were encountered:\n    - 1 Producer()" in again.output, again
    assert (folder / "plays.tsv").read_bytes() == plays, "the second run must not write plays.tsv again"
    assert written_top(folder / "top-hr.file") == expected_top("hr", folder / "plays.tsv")


@pytest.mark.thorough
def test_luigi_stops_at_the_first_complete_task(chapter):
    """Asked for a complete TopSongs, luigi does not look at what it requires."""
    assert chapter.main("TopSongs", "--tld", "rs", "--local-scheduler").code == 0
    folder = chapter.copy()
    (folder / "plays.tsv").unlink()
    again = chapter.main("TopSongs", "--tld", "rs", "--local-scheduler")
    assert again.code == 0 and "* 1 complete ones were encountered:\n    - 1 TopSongs(tld=rs)" in again.output, again
    assert "Producer" not in again.output and not (folder / "plays.tsv").exists()


@pytest.mark.thorough
def test_producer_writes_the_same_events_whatever_the_global_random_state(chapter):
    main = chapter.load()
    written = []
    for seed in (1, 2):
        random.seed(seed)
        Path("plays.tsv").unlink(missing_ok=True)
        main.Producer().run()
        written.append(Path("plays.tsv").read_bytes())
    assert written[0] == written[1], "Producer must draw from its own seeded random.Random, not the global one"
    events = play_events()
    assert len(events) == 100 and {s for s, _, _ in events} == SONGS and {t for _, t, _ in events} == COUNTRIES


@pytest.mark.thorough
def test_an_unknown_country_fails_naming_the_known_ones(chapter):
    ran = chapter.main("TopSongs", "--tld", "xx", "--local-scheduler")
    assert ran.code != 0 and "xx is not a valid choice" in ran.output, ran
    assert all(f"'{code}'" in ran.output for code in COUNTRIES) and not chapter.written()


@pytest.mark.thorough
def test_a_crash_halfway_through_writing_leaves_no_file(chapter, monkeypatch):
    main = chapter.load()
    real = luigi.LocalTarget.open

    def full_disk(self, mode="r"):
        opened = real(self, mode)
        if "w" in mode:
            opened.write = lambda text: (_ for _ in ()).throw(OSError("disk full (the test's)"))
        return opened

    monkeypatch.setattr(luigi.LocalTarget, "open", full_disk)
    chapter.build(main.Producer())
    monkeypatch.undo()
    Path("plays.tsv").unlink(missing_ok=True)
    main.Producer().run()
    monkeypatch.setattr(luigi.LocalTarget, "open", full_disk)
    result = chapter.build(main.TopSongs(tld="rs"))
    assert "1 failed" in result.summary_text and not Path("top-rs.file").exists()
