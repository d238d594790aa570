"""Chapter 3, Parameters: typed parameters become the command line's options."""

import datetime
from pathlib import Path

import luigi
import pytest
from harness import show

DAY = datetime.date(2026, 11, 2)
ANOTHER_DAY = datetime.date(2031, 5, 6)


def parameter(main, name):
    params = dict(main.Hello.get_params())
    assert name in params, f"Hello should have a parameter called {name}; it has {show(sorted(params))}"
    return params[name]


def has_default(param):
    return param._default is not luigi.parameter._no_value


@pytest.mark.blank(1)
def test_name_is_a_required_text_with_a_description(chapter):
    main = chapter.load()
    name = parameter(main, "name")
    assert isinstance(name, luigi.Parameter) and name.parse("Novi Sad") == "Novi Sad", (
        f"name should be a luigi.Parameter, which keeps the text as it is, not {show(name)}"
    )
    assert not has_default(name), "name should have no default: luigi then refuses to run Hello without one"
    assert (name.description or "").strip(), "give name a description: --help shows it"
    assert main.Hello(name="Belgrade").task_id != main.Hello(name="Novi Sad").task_id, (
        "Hello(name='Belgrade') and Hello(name='Novi Sad') are the same task to luigi: name must count, leave out"
        " significant=False"
    )
    ran = chapter.main("Hello", "--local-scheduler")
    assert ran.code != 0 and "requires the 'name' parameter to be set" in ran.output, (
        f"without --name, the command should fail with luigi's MissingParameterException; {ran}"
    )


@pytest.mark.blank(2)
def test_times_is_a_whole_number_that_defaults_to_1(chapter):
    main = chapter.load()
    times = parameter(main, "times")
    parsed = times.parse("3")
    assert parsed == 3 and isinstance(parsed, int), (
        f"times should turn the text 3 of the command line into the number 3 (a luigi.IntParameter), not {show(parsed)}"
    )
    assert main.Hello(name="Belgrade").times == 1, "times should default to 1"
    assert (times.description or "").strip(), "give times a description: --help shows it"
    ran = chapter.main("Hello", "--local-scheduler", "--name", "Belgrade", "--times", "two")
    assert ran.code != 0 and "invalid literal for int()" in ran.output, (
        f"--times two should fail before anything runs, saying that two is not a whole number; {ran}"
    )


@pytest.mark.blank(3)
def test_date_defaults_to_the_day_it_runs(chapter):
    main = chapter.load(today=ANOTHER_DAY)
    date = parameter(main, "date")
    assert has_default(date), "date should have a default: the day the command runs, datetime.date.today()"
    assert not callable(date._default), "call it: datetime.date.today(), with its (), gives today's date"
    assert date.parse("2026-11-02") == DAY, (
        f"date should read 2026-11-02 as a date, not {show(date.parse('2026-11-02'))}"
    )
    got = main.Hello(name="Belgrade").date
    assert got == ANOTHER_DAY, (
        "date should default to the day the command runs, datetime.date.today(), not a day written down:"
        f" on {ANOTHER_DAY} it gave {show(got)}"
    )
    assert (date.description or "").strip(), "give date a description: --help shows it"


@pytest.mark.blank(4)
def test_each_name_and_date_writes_a_file_of_its_own(chapter):
    main = chapter.load()
    result = chapter.build(main.Hello(name="Belgrade", date=DAY), main.Hello(name="Novi Sad", date=DAY))
    assert result.scheduling_succeeded, result.summary_text
    for name, lines in (("Belgrade", 1), ("Novi Sad", 1)):
        path = Path(f"hello-{name}-{DAY}.txt")
        assert path.exists(), f"Hello(name={name!r}, date={DAY}) should write {path.name}: there is no such file"
        target = main.Hello(name=name, date=DAY).output()
        assert Path(target.path).resolve() == path.resolve(), (
            f"Hello(name={name!r}, date={DAY}) should write {path.name}, not {show(target.path)}"
        )
        assert path.read_text() == f"Hello {name}\n" * lines


def test_the_command_runs(chapter):
    """The chapter's command, run in this process: all of main.py works together."""
    ran = chapter.main(*("Hello", "--local-scheduler", "--name", "Belgrade"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_greets_belgrade(ran):
    chapter, result = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    assert result.returncode == 0, result.stdout
    [written] = chapter.written()
    assert written.name == f"hello-Belgrade-{datetime.date.today()}.txt" and written.read_text() == "Hello Belgrade\n"


@pytest.mark.thorough
def test_help_shows_every_parameter_and_its_description(chapter):
    ran = chapter.main("Hello", "--help")
    assert ran.code == 0, ran
    for option in ("--name", "--times", "--date"):
        assert option in ran.output, ran
    assert "Who to greet" in ran.output


@pytest.mark.thorough
@pytest.mark.parametrize(
    ("option", "error"),
    [("--times two", "invalid literal for int() with base 10: 'two'"), ("--date 2026-02-30", "day is out of range")],
)
def test_a_value_of_the_wrong_type_fails_before_anything_runs(chapter, option, error):
    ran = chapter.main("Hello", "--local-scheduler", "--name", "Belgrade", *option.split())
    assert ran.code != 0 and error in ran.output, ran
    assert not chapter.written(), "nothing may run"
