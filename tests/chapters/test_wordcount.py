"""Chapter 5, WordCount: external inputs, a date interval, a fan-in and its fan-out."""

import collections
import datetime
import re
from pathlib import Path

import luigi
import pytest
from harness import differences, first_difference, show, tasks_in

WEEK = "2026-W45"  # Monday 2 to Sunday 8 November 2026
DAYS = [datetime.date(2026, 11, 2) + datetime.timedelta(days=n) for n in range(7)]


def week():
    return luigi.DateIntervalParameter().parse(WEEK)


def independent_count(folder):
    """The week's words, counted here by the page's rules, independently of main.py."""
    counts = collections.Counter()
    for day in DAYS:
        counts.update(re.findall(r"[a-z]+", (Path(folder) / "data" / f"{day}.txt").read_text(encoding="utf-8").lower()))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def read_counts(path):
    return [(word, int(count)) for word, count in (line.split("\t") for line in Path(path).read_text().splitlines())]


@pytest.mark.blank(1)
def test_input_text_is_the_file_of_its_day(chapter):
    main = chapter.load()
    target = main.InputText(date=DAYS[0]).output()
    assert isinstance(target, luigi.LocalTarget), (
        f"InputText.output() should return a luigi.LocalTarget, not {show(target)}"
    )
    assert Path(target.path).resolve() == Path(f"data/{DAYS[0]}.txt").resolve(), (
        f"InputText(date={DAYS[0]}) should be the file data/{DAYS[0]}.txt, not {show(target.path)}"
    )


@pytest.mark.blank(2)
def test_wordcount_requires_one_input_per_day(chapter):
    main = chapter.load()
    required = tasks_in(main.WordCount(date_interval=week()).requires())
    expected = [main.InputText(date=day) for day in DAYS]
    assert sorted(required, key=str) == expected, (
        f"WordCount({WEEK}).requires() should return one InputText per day of the week: {show(expected)},"
        f" not {show(required)}"
    )


@pytest.mark.blank(3)
def test_the_counting_rules(chapter, tmp_path):
    main = chapter.load()
    text = tmp_path / "text.txt"
    text.write_text("Don't stop-me now, 42 times!\nNOW now\n", encoding="utf-8")
    counts = dict(main.count_words([str(text)]))
    expected = {"don": 1, "t": 1, "stop": 1, "me": 1, "now": 3, "times": 1}
    replaced = counts == {"now": 2}  # the count of the last line only
    assert counts == expected, (
        "count_words() keeps the count of the last line only: add each line's words to counts (counts.update)"
        if replaced
        else "a word is a run of the letters a to z, in lower case (WORD.findall on the lower-cased line):"
        " the lines 'Don't stop-me now, 42 times!' and 'NOW now' count so:\n" + differences(expected, counts, "count")
    )


@pytest.mark.blank(4)
def test_most_frequent_first_then_alphabetical(chapter):
    main = chapter.load()
    target = luigi.LocalTarget("counts.tsv")
    main.write_counts(collections.Counter({"zebra": 2, "apple": 2, "mango": 5, "kiwi": 1}), target)
    written = read_counts("counts.tsv") if Path("counts.tsv").exists() else []
    expected = [("mango", 5), ("apple", 2), ("zebra", 2), ("kiwi", 1)]
    assert written == expected, (
        "the counts go most frequent first, and equal counts by word, A to Z: " + first_difference(expected, written)
    )


def test_the_count_is_written_through_its_target(chapter, monkeypatch):
    """write_counts writes through target.open("w"): never a half-written count that counts as done."""
    main = chapter.load()
    atomic = []
    real = luigi.LocalTarget.open
    monkeypatch.setattr(luigi.LocalTarget, "open", lambda self, mode="r": atomic.append(mode) or real(self, mode))
    main.write_counts(collections.Counter({"word": 1}), luigi.LocalTarget("counts.tsv"))
    assert "w" in atomic, 'write_counts() should write through target.open("w"), so that a crash leaves no half a file'


def test_the_command_runs(chapter):
    """The chapter's command, run in this process: all of main.py works together."""
    ran = chapter.main(*("WordCount", "--date-interval", "2026-W45", "--local-scheduler"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_counts_the_week(ran):
    chapter, result = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    assert result.returncode == 0, result.stdout
    assert "* 8 ran successfully" not in result.stdout and "* 1 ran successfully:\n    - 1 WordCount(" in result.stdout
    assert read_counts(chapter.copy() / f"wordcount-{WEEK}.tsv") == independent_count(chapter.copy())


@pytest.mark.thorough
def test_the_fan_out_on_two_workers_counts_the_same(chapter):
    ran = chapter.main("ParallelWordCount", "--date-interval", WEEK, "--local-scheduler", "--workers", "2")
    assert ran.code == 0 and "* 8 ran successfully" in ran.output, ran
    assert read_counts(chapter.copy() / f"wordcount-parallel-{WEEK}.tsv") == independent_count(chapter.copy())


@pytest.mark.thorough
def test_a_missing_day_runs_nothing_and_names_it(chapter):
    ran = chapter.main("WordCount", "--date-interval", "2026-11-03-2026-11-10", "--local-scheduler")
    assert ran.code == 20, ran  # luigi.cfg: [retcode] missing_data
    assert re.search(r"were missing external dependencies:\n +- 1 InputText\(date=2026-11-09\)", ran.output), ran
    assert not chapter.written()
