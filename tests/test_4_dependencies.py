"""Chapter 4, Dependencies: TopSongs requires Producer and reads its output."""

import csv
import random
from pathlib import Path

import luigi
import pytest

from tools.check import show

CHAPTER = "Dependencies"
COUNTRIES = {"ba", "hr", "me", "rs", "si"}
SONGS = {"call me maybe", "gangnam style", "battle scars"}


def play_events(path="plays.tsv"):
    with open(path, newline="") as plays:
        return [(song, tld, int(plays)) for song, tld, plays in csv.reader(plays, delimiter="\t")]


def expected_top(tld, path="plays.tsv"):
    """The totals of one country, added up here, independently of main.py."""
    totals = {}
    for song, country, plays in play_events(path):
        if country == tld:
            totals[song] = totals.get(song, 0) + plays
    return totals


def written_top(tld):
    lines = Path(f"top-{tld}.file").read_text().splitlines()
    return [(song, int(total)) for song, total in (line.split("\t") for line in lines)]


def test_todo1_tld_is_a_choice_of_the_known_countries(chapter):
    main = chapter.load()
    params = dict(main.TopSongs.get_params())
    assert "tld" in params, f"TopSongs should have a parameter called {show('tld')}; it has {show(sorted(params))}"
    tld = params["tld"]
    assert isinstance(tld, luigi.ChoiceParameter), f"tld should be a luigi.ChoiceParameter, not {show(tld)}"
    assert set(tld._choices) == COUNTRIES, (
        f"tld's choices should be COUNTRIES, {show(sorted(COUNTRIES))}, not {show(sorted(tld._choices))}"
    )
    assert main.TopSongs(tld="rs").tld == "rs"


def test_todo2_topsongs_requires_producer(chapter):
    main = chapter.load()
    required = main.TopSongs(tld="rs").requires()
    assert isinstance(required, main.Producer), (
        f"TopSongs.requires() should return {show(main.Producer())}, not {show(required)}"
    )


def test_todo3_totals_are_added_up_from_plays_tsv(chapter):
    main = chapter.load()
    result = chapter.build(*(main.TopSongs(tld=tld) for tld in sorted(COUNTRIES)))
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    for tld in sorted(COUNTRIES):
        written = dict(written_top(tld))
        expected = expected_top(tld)
        assert written == expected, f"top-{tld}.file should hold the totals {expected}, but it holds {written}"


def test_todo3_reads_its_input_not_a_fresh_producer(chapter):
    """plays.tsv already exists, so Producer is complete: TopSongs must use that file."""
    main = chapter.load()
    rng = random.Random()  # other numbers on every run: nothing to learn by heart
    events = [(song, tld, rng.randrange(1, 50)) for song in sorted(SONGS) for tld in ("rs", "hr") for _ in range(3)]
    Path("plays.tsv").write_text("".join(f"{song}\t{tld}\t{plays}\n" for song, tld, plays in events))
    result = chapter.build(main.TopSongs(tld="rs"))
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    assert "1 complete ones were encountered" in result.summary_text, "Producer was complete: plays.tsv existed"
    written, expected = dict(written_top("rs")), expected_top("rs")
    assert written == expected, (
        f"TopSongs should add up the plays of rs in plays.tsv (self.input()) to {expected}, but wrote {written}"
    )


def test_todo4_highest_total_first_ties_in_alphabetical_order(chapter):
    main = chapter.load()
    # gangnam style comes first in the file, so an order by first appearance (or
    # Counter.most_common(), which keeps it for ties) puts it before battle scars.
    Path("plays.tsv").write_text(
        "gangnam style\trs\t9\ncall me maybe\trs\t7\nbattle scars\trs\t5\nbattle scars\trs\t4\ncall me maybe\tsi\t99\n"
    )
    chapter.build(main.TopSongs(tld="rs"))
    written = written_top("rs")
    expected = [("battle scars", 9), ("gangnam style", 9), ("call me maybe", 7)]
    assert written == expected, f"top-rs.file should list {expected}, highest first, ties by name; it lists {written}"


def test_todo4_a_crash_halfway_leaves_no_file_and_the_next_run_succeeds(chapter):
    main = chapter.load()

    class DiskFull:
        """A file that takes half of the first write, then fails."""

        def __init__(self, file):
            self.file = file

        def write(self, text):
            self.file.write(text[: len(text) // 2 + 1])
            raise OSError("disk full (a crash that the test provokes)")

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def __enter__(self):
            self.file.__enter__()
            return self

        def __exit__(self, *exc):
            return self.file.__exit__(*exc)

    class FullDiskTarget(luigi.LocalTarget):
        def open(self, mode="r"):
            opened = super().open(mode)
            return DiskFull(opened) if "w" in mode else opened

    class CrashingTopSongs(main.TopSongs):
        def output(self):
            return FullDiskTarget(super().output().path)

    result = chapter.build(CrashingTopSongs(tld="rs"))
    assert result.status == luigi.LuigiStatusCode.FAILED, "the provoked crash should fail the task"
    # luigi wrote into a temporary file: top-rs.file would appear only once that was closed without an error.
    assert not Path("top-rs.file").exists(), "a crash halfway through writing must leave no top-rs.file"
    result = chapter.build(main.TopSongs(tld="rs"))
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    assert dict(written_top("rs")) == expected_top("rs")


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
    assert len(events) >= 20
    assert {song for song, _, _ in events} == SONGS
    assert {tld for _, tld, _ in events} == COUNTRIES
    assert all(plays > 0 for _, _, plays in events)


def test_documented_command_then_another_country_reuses_plays_tsv(chapter):
    first = chapter.cli()
    assert first.returncode == 0, f"`{chapter.chapter.command}` failed:\n{first.stdout}"
    assert "* 2 ran successfully:\n    - 1 Producer()\n    - 1 TopSongs(tld=rs)" in first.stdout, first.stdout
    plays = (chapter.copy() / "plays.tsv").read_bytes()
    again = chapter.cli("python main.py TopSongs --tld hr --local-scheduler")
    assert again.returncode == 0, again.stdout
    assert "* 1 complete ones were encountered:\n    - 1 Producer()" in again.stdout, again.stdout
    assert "* 1 ran successfully:\n    - 1 TopSongs(tld=hr)" in again.stdout, again.stdout
    assert (chapter.copy() / "plays.tsv").read_bytes() == plays, "the second run must not write plays.tsv again"
    for tld in ("rs", "hr"):
        expected = expected_top(tld, chapter.copy() / "plays.tsv")
        assert dict(written_top_in(chapter.copy(), tld)) == expected


def test_luigi_stops_at_the_first_complete_task(chapter):
    """Asked for a complete TopSongs, luigi does not look at what it requires:
    a deleted plays.tsv is not made again, and the chart is not redone."""
    first = chapter.cli()
    assert first.returncode == 0, first.stdout
    folder = chapter.copy()
    (folder / "plays.tsv").unlink()
    chart = (folder / "top-rs.file").read_bytes()
    again = chapter.cli()
    assert again.returncode == 0, again.stdout
    assert "* 1 complete ones were encountered:\n    - 1 TopSongs(tld=rs)" in again.stdout, again.stdout
    assert "Producer" not in again.stdout, "luigi should not even look at Producer: TopSongs is complete"
    assert not (folder / "plays.tsv").exists(), "plays.tsv should not be made again"
    assert (folder / "top-rs.file").read_bytes() == chart


def written_top_in(folder, tld):
    lines = (folder / f"top-{tld}.file").read_text().splitlines()
    return [(song, int(total)) for song, total in (line.split("\t") for line in lines)]


@pytest.mark.parametrize("tld", ["xx", "RS"])
def test_an_unknown_country_fails_naming_the_known_ones(chapter, tld):
    before = chapter.files()
    result = chapter.cli(f"python main.py TopSongs --tld {tld} --local-scheduler")
    assert result.returncode != 0, f"--tld {tld} must fail"
    error = result.stdout.strip().splitlines()[-1]
    assert error.startswith(f"ValueError: {tld} is not a valid choice"), result.stdout
    assert all(f"'{code}'" in error for code in COUNTRIES), f"the error should list the known codes: {error}"
    assert chapter.files() == before, "nothing may be written"


def test_plays_add_up_per_country(chapter):
    """The five top files together account for every play of plays.tsv."""
    main = chapter.load()
    chapter.build(*(main.TopSongs(tld=tld) for tld in sorted(COUNTRIES)))
    total = sum(plays for _, _, plays in play_events())
    assert sum(t for tld in COUNTRIES for _, t in written_top(tld)) == total
