"""Chapter 5, WordCount: external inputs, a date interval, fan-out and fan-in."""

import datetime
import shutil
import string
from collections import Counter
from pathlib import Path

import luigi
import pytest

from tools.check import show

CHAPTER = "WordCount"
WEEK = "2026-W45"  # Monday 2 to Sunday 8 November 2026: the days in data/
DAYS = [datetime.date(2026, 11, 2) + datetime.timedelta(days=n) for n in range(7)]


def independent_count(paths):
    """The chapter's rules, another way: everything but a-z becomes a space."""
    keep = set(string.ascii_lowercase)
    counts = Counter()
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").lower()
        counts.update("".join(c if c in keep else " " for c in text).split())
    return counts


def ranked(counts):
    return [(word, counts[word]) for word in sorted(counts, key=lambda word: (-counts[word], word))]


def read_counts(path):
    return [(word, int(count)) for word, count in (line.split("\t") for line in Path(path).read_text().splitlines())]


def same_counts(written, expected, where):
    """A message for the first line where a word count differs from one made by the rules."""

    def text(pair):
        return "\t".join(map(str, pair)) if pair else None

    for line, (got, wanted) in enumerate(zip([*written, None], [*expected, None], strict=False), start=1):
        if got != wanted:
            return (
                f"{where}, line {line} should be {show(text(wanted))}, not {show(text(got))}"
                " (counted by the rules of the docstring)"
            )
    return None


def interval(text):
    return luigi.DateIntervalParameter().parse(text)


@pytest.fixture
def data(chapter):
    """The chapter's week of texts, in data/ of the test's folder."""
    shutil.copytree(chapter.chapter.folder(chapter.tree) / "data", "data")
    return Path("data")


def week(folder):
    """The week's texts in folder. An attendee's other files there (the next
    day's text, notes, an editor's copy) are no part of the week."""
    return [Path(folder) / f"{day}.txt" for day in DAYS]


def write_day(day, text):
    Path("data").mkdir(exist_ok=True)
    Path(f"data/{day}.txt").write_text(text, encoding="utf-8")


def test_the_week_of_texts_is_there(data):
    missing = [p.name for p in week(data) if not p.is_file()]
    assert missing == [], f"data/ should hold the text of each day of {WEEK}; missing: {', '.join(missing)}"
    assert all(1000 < len(p.read_text()) < 10000 for p in week(data))


def test_todo1_input_text_is_the_file_of_its_day(chapter):
    main = chapter.load()
    assert issubclass(main.InputText, luigi.ExternalTask), "InputText is written by someone else: an ExternalTask"
    target = main.InputText(date=DAYS[0]).output()
    assert isinstance(target, luigi.LocalTarget), (
        f"InputText.output() should be a luigi.LocalTarget, not {show(target)}"
    )
    assert target.path == "data/2026-11-02.txt", (
        f"InputText(date=2026-11-02) should be {show('data/2026-11-02.txt')}, not {show(target.path)}"
    )


def test_todo2_wordcount_requires_one_input_per_day(chapter):
    main = chapter.load()
    try:
        required = luigi.task.flatten(main.WordCount(date_interval=interval("2026-11-02-2026-11-05")).requires())
    except (TypeError, ValueError) as error:
        raise AssertionError(
            f"requires() should return a list: one InputText(date) for each date in self.date_interval.dates()."
            f" Calling it raised {type(error).__name__}: {error}"
        ) from error
    dates = [str(getattr(task, "date", task)) for task in required]
    expected = [str(day) for day in DAYS[:3]]
    assert all(isinstance(task, main.InputText) for task in required), (
        f"requires() should return InputText tasks, not {show(required)}"
    )
    assert dates == expected, (
        f"2026-11-02-2026-11-05 should require the days {show(expected)} (the end is excluded), not {show(dates)}"
    )


def test_todo3_the_counting_rules(chapter):
    main = chapter.load()
    write_day(DAYS[0], "Don't stop-me now, 42 times!\nSTOP. Now?\n")
    write_day(DAYS[1], "now\n")
    chapter.build(main.WordCount(date_interval=interval("2026-11-02-2026-11-04")))
    written = dict(read_counts("wordcount-2026-11-02-2026-11-04.tsv"))
    expected = {"don": 1, "t": 1, "stop": 2, "me": 1, "now": 3, "times": 1}
    assert written == expected, f"by the rules of the docstring, the words are {expected}, not {written}"


def test_todo3_the_week_is_counted_like_an_independent_count(chapter, data):
    main = chapter.load()
    result = chapter.build(main.WordCount(date_interval=interval(WEEK)))
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    written = dict(read_counts(f"wordcount-{WEEK}.tsv"))
    expected = independent_count(week(data))
    wrong = sorted(w for w in expected.keys() | written.keys() if written.get(w) != expected.get(w))
    if wrong:
        word = wrong[0]
        raise AssertionError(
            f"by the rules of the docstring, {word!r} appears {expected.get(word, 0)} times in the week,"
            f" but wordcount-{WEEK}.tsv says {written.get(word, 0)} ({len(wrong)} words are off)"
        )


def test_todo4_most_frequent_first_then_alphabetical(chapter):
    main = chapter.load()
    write_day(DAYS[0], "b a c b a d\n")
    chapter.build(main.WordCount(date_interval=interval("2026-11-02")))
    written = read_counts("wordcount-2026-11-02.tsv")
    expected = [("a", 2), ("b", 2), ("c", 1), ("d", 1)]
    assert written == expected, (
        f"the most frequent first, equal counts in alphabetical order: {expected}, not {written}"
    )


def test_the_fan_out_writes_the_same_as_wordcount(chapter, data):
    main = chapter.load()
    result = luigi.build(
        [main.ParallelWordCount(date_interval=interval(WEEK)), main.WordCount(date_interval=interval(WEEK))],
        local_scheduler=True,
        workers=2,
        detailed_summary=True,
    )
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    assert "7 CountDay(date=2026-11-02...2026-11-08)" in result.summary_text
    single, parallel = Path(f"wordcount-{WEEK}.tsv"), Path(f"wordcount-parallel-{WEEK}.tsv")
    assert parallel.read_bytes() == single.read_bytes(), f"{parallel} and {single} should hold the same bytes"
    expected = ranked(independent_count(week(data)))
    assert read_counts(single) == expected, same_counts(read_counts(single), expected, single)
    for day in DAYS:
        daycount = f"daycount-{day}.tsv"
        expected = ranked(independent_count([data / f"{day}.txt"]))
        assert sorted(read_counts(daycount)) == sorted(expected), same_counts(read_counts(daycount), expected, daycount)


def test_documented_command_counts_the_week(chapter):
    result = chapter.cli()
    assert result.returncode == 0, f"`{chapter.chapter.command}` failed:\n{result.stdout}"
    assert "* 7 complete ones were encountered:\n    - 7 InputText(date=2026-11-02...2026-11-08)" in result.stdout
    folder = chapter.copy()
    written = read_counts(folder / f"wordcount-{WEEK}.tsv")
    expected = ranked(independent_count(week(folder / "data")))
    assert written == expected, same_counts(written, expected, f"wordcount-{WEEK}.tsv")


def test_a_missing_day_fails_naming_its_file(chapter):
    (chapter.copy() / "data" / "2026-11-09.txt").unlink(missing_ok=True)  # an attendee may have written it
    before = chapter.files()
    result = chapter.cli("python main.py WordCount --date-interval 2026-11-03-2026-11-10 --local-scheduler")
    assert result.returncode == 20, f"a missing input should exit with [retcode] missing_data, 20:\n{result.stdout}"
    assert "Missing input file: data/2026-11-09.txt" in result.stdout, result.stdout
    assert "* 1 were missing external dependencies:\n        - 1 InputText(date=2026-11-09)" in result.stdout
    assert chapter.files() == before, "nothing may be written when a day is missing"


@pytest.mark.parametrize("days", ["2026-11-05-2026-11-02", "2026-11-05-2026-11-05"])
def test_an_interval_without_a_day_fails_before_running(chapter, days):
    """An empty interval would write an empty count, which would then count as complete."""
    main = chapter.load()
    with pytest.raises(ValueError, match="holds no day"):
        main.WordCount(date_interval=interval(days))
    before = chapter.files()
    for task in ("WordCount", "ParallelWordCount"):
        result = chapter.cli(f"python main.py {task} --date-interval {days} --local-scheduler")
        assert result.returncode != 0, f"{task} --date-interval {days} must fail:\n{result.stdout}"
        assert f"ValueError: the interval {days} holds no day" in result.stdout, result.stdout
        assert chapter.files() == before, "nothing may be written"
