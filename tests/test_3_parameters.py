"""Chapter 3, Parameters: typed parameters become command-line options."""

import datetime
import re
from pathlib import Path

import luigi
import luigi.parameter
import pytest

from tools.check import show

CHAPTER = "Parameters"
DAY = datetime.date(2012, 9, 24)  # the day luigi was open-sourced


def parameter(main, name):
    params = dict(main.Hello.get_params())
    assert name in params, f"Hello should have a parameter called {show(name)}; it has {show(sorted(params))}"
    return params[name]


def test_todo1_name_is_a_required_string(chapter):
    main = chapter.load()
    name = parameter(main, "name")
    assert type(name) is main.NameParameter, f"name should be a NameParameter, not {show(name)}"
    assert name.description, "give the name parameter a description: --help shows it"
    try:
        main.Hello()
    except luigi.parameter.MissingParameterException as error:
        assert "requires the 'name' parameter" in str(error), str(error)
    else:
        raise AssertionError("name should have no default: Hello() without a name should fail")


@pytest.mark.parametrize("name", ["a/b", "../../etc/x", ""])
def test_todo1_a_name_that_is_not_a_file_name_is_refused(chapter, name):
    main = chapter.load()
    with pytest.raises(ValueError, match="cannot be empty or hold a '/'"):
        main.Hello(name=name)


def test_todo2_times_is_an_int_from_1_to_99_that_defaults_to_1(chapter):
    main = chapter.load()
    times = parameter(main, "times")
    assert isinstance(times, luigi.NumericalParameter), f"times should be a luigi.NumericalParameter, not {show(times)}"
    default = main.Hello(name="x").times
    assert default == 1, f"times should default to {show(1)}, not {show(default)}"
    for text in ("1", "99"):
        value = times.parse(text)
        assert value == int(text) and type(value) is int, f"--times {text} should be the int {text}, not {show(value)}"
    for text in ("0", "-1", "100", "99999999999999999999999"):
        with pytest.raises(ValueError, match="is not in the set of int in"):
            times.parse(text)


def test_todo3_date_defaults_to_today(chapter):
    main = chapter.load()
    date = parameter(main, "date")
    assert isinstance(date, luigi.DateParameter), f"date should be a luigi.DateParameter, not {show(date)}"
    assert date.description, "give the date parameter a description: --help shows it"
    default = main.Hello(name="x").date
    assert default == datetime.date.today(), (
        f"date should default to today, {show(datetime.date.today())}, not {show(default)}"
    )


def test_todo4_output_is_named_after_the_parameters(chapter):
    main = chapter.load()
    path = main.Hello(name="Belgrade", date=DAY).output().path
    expected = "hello-Belgrade-2012-09-24.txt"
    assert path == expected, f"Hello(name='Belgrade', date={DAY}) should write {show(expected)}, not {show(path)}"


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


def test_missing_name_fails_clearly(chapter):
    before = chapter.files()
    result = chapter.cli("python main.py Hello --local-scheduler")
    assert result.returncode != 0, "leaving out --name must fail"
    assert "MissingParameterException" in result.stdout
    assert "requires the 'name' parameter to be set" in result.stdout
    assert chapter.files() == before, "nothing may be written"


def test_an_empty_name_is_a_missing_one(chapter):
    """luigi takes an empty option for no value at all."""
    before = chapter.files()
    result = chapter.cli("python main.py Hello --local-scheduler --name ''")
    assert result.returncode != 0, "an empty --name must fail"
    assert "requires the 'name' parameter to be set" in result.stdout, result.stdout
    assert chapter.files() == before, "nothing may be written"


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ("--times two", "ValueError: invalid literal for int() with base 10: 'two'"),
        ("--date 2026-02-30", "ValueError: day is out of range for month"),
        # An empty file that would count as complete, or one that fills the disk:
        ("--times 0", "ValueError: 0 is not in the set of int in [1, 100)"),
        ("--times -1", "ValueError: -1 is not in the set of int in [1, 100)"),
        ("--times 99999999999999999999999", "is not in the set of int in [1, 100)"),
        # Folders, some outside the chapter:
        ("--name a/b", "ValueError: a name is part of a file name"),
        ("--name ../../etc/x", "ValueError: a name is part of a file name"),
    ],
)
def test_a_value_that_makes_no_sense_fails_before_running(chapter, option, error):
    name, value = option.split()
    if name == "--times":  # not refused, a huge --times would fill the disk: check the parameter first
        with pytest.raises(ValueError, match=re.escape(error.split(": ", 1)[-1])):
            parameter(chapter.load(), "times").parse(value)
    workdir = chapter.workdir  # the chapter's folder and around it: a name like ../x may write outside

    def files():
        return {str(p.relative_to(workdir)) for p in workdir.rglob("*") if p.relative_to(workdir).parts[0] != "tmp"}

    chapter.copy()
    before = files()
    result = chapter.cli(f"python main.py Hello --local-scheduler --name Belgrade {option}")
    assert result.returncode != 0, f"{option} must fail"
    assert error in result.stdout, result.stdout
    assert files() == before, f"nothing may be written when a value makes no sense: {sorted(files() - before)}"
