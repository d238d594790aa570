"""Chapter 3, Parameters: typed parameters become command-line options."""

import datetime
from pathlib import Path

import luigi
import luigi.parameter
import pytest

CHAPTER = "Parameters"
DAY = datetime.date(2012, 9, 24)  # the day luigi was open-sourced


def parameter(main, name):
    params = dict(main.Hello.get_params())
    assert name in params, f"Hello should have a parameter called {name!r}; it has {sorted(params)}"
    return params[name]


def test_todo1_name_is_a_required_string(chapter):
    main = chapter.load()
    name = parameter(main, "name")
    assert type(name) is luigi.Parameter, f"name should be a luigi.Parameter, not {type(name).__name__}"
    assert name.description, "give the name parameter a description: --help shows it"
    with pytest.raises(luigi.parameter.MissingParameterException, match="requires the 'name' parameter"):
        main.Hello()


def test_todo2_times_is_an_int_that_defaults_to_1(chapter):
    main = chapter.load()
    times = parameter(main, "times")
    assert isinstance(times, luigi.IntParameter), f"times should be a luigi.IntParameter, not {type(times).__name__}"
    assert times.description, "give the times parameter a description: --help shows it"
    assert main.Hello(name="x").times == 1, "times should default to 1"


def test_todo3_date_defaults_to_today(chapter):
    main = chapter.load()
    date = parameter(main, "date")
    assert isinstance(date, luigi.DateParameter), f"date should be a luigi.DateParameter, not {type(date).__name__}"
    assert date.description, "give the date parameter a description: --help shows it"
    assert main.Hello(name="x").date == datetime.date.today(), "date should default to today"


def test_todo4_output_is_named_after_the_parameters(chapter):
    main = chapter.load()
    path = main.Hello(name="Belgrade", date=DAY).output().path
    expected = "hello-Belgrade-2012-09-24.txt"
    assert path == expected, f"Hello(name='Belgrade', date={DAY}) should write {expected}, not {path}"


def test_run_writes_one_greeting_per_time(chapter):
    main = chapter.load()
    result = chapter.build(main.Hello(name="Novi Sad", times=2, date=DAY))
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    assert Path("hello-Novi Sad-2012-09-24.txt").read_text() == "Hello Novi Sad\n" * 2


def test_documented_command_greets_belgrade(chapter):
    result = chapter.cli()
    assert result.returncode == 0, f"`{chapter.chapter.command}` failed:\n{result.stdout}"
    written = chapter.copy() / f"hello-Belgrade-{datetime.date.today()}.txt"
    assert written.read_text() == "Hello Belgrade\n"


def test_help_shows_every_parameter_and_its_description(chapter):
    main = chapter.load()
    result = chapter.cli("python main.py Hello --help")
    assert result.returncode == 0, result.stdout
    for name, param in main.Hello.get_params():
        assert f"--{name}" in result.stdout, f"--help should list --{name}"
        assert " ".join(param.description.split()[:3]) in result.stdout, f"--help should show {name}'s description"


def outputs(chapter):
    return sorted(p.name for p in chapter.copy().glob("hello-*"))


def test_missing_name_fails_clearly(chapter):
    result = chapter.cli("python main.py Hello --local-scheduler")
    assert result.returncode != 0, "leaving out --name must fail"
    assert "MissingParameterException" in result.stdout
    assert "requires the 'name' parameter to be set" in result.stdout
    assert outputs(chapter) == []


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ("--times two", "invalid literal for int() with base 10: 'two'"),
        ("--date 2026-02-30", "day is out of range for month"),
    ],
)
def test_a_value_of_the_wrong_type_fails_before_running(chapter, option, error):
    result = chapter.cli(f"python main.py Hello --local-scheduler --name Belgrade {option}")
    assert result.returncode != 0, f"{option} must fail"
    assert error in result.stdout
    assert outputs(chapter) == [], "nothing may be written when a parameter is wrong"
