"""Tests of the nightly pipeline, as any luigi project can have: python -m pytest test_nightly.py

Each test builds a night with luigi.build() and the local scheduler, in a
temporary folder of its own, and looks at what the night wrote.
"""

import datetime

import luigi
import main
import pytest

NIGHT = datetime.date(2026, 11, 2)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty folder to run in: the tasks' relative paths (data/, nights/) land there."""
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_night_counts_the_words_and_archives_the_text(folder):
    (folder / "data" / f"{NIGHT}.txt").write_text("Night, night, said the night shift.\n")

    assert luigi.build([main.Nightly(NIGHT)], local_scheduler=True)

    assert (folder / "nights" / f"{NIGHT}.tsv").read_text().splitlines()[0] == "night\t3"
    assert (folder / "archive" / f"{NIGHT}.txt").read_text() == "Night, night, said the night shift.\n"


def test_an_empty_delivery_fails_the_night_and_writes_no_count(folder):
    (folder / "data" / f"{NIGHT}.txt").write_text("")

    result = luigi.build([main.Nightly(NIGHT)], local_scheduler=True, detailed_summary=True)

    assert result.status == luigi.execution_summary.LuigiStatusCode.FAILED
    assert not (folder / "nights" / f"{NIGHT}.tsv").exists()
