"""Chapter 1, Basics: a task is a class, and the command line names it."""

import re
import warnings

import luigi

from tools.check import show

CHAPTER = "Basics"
NO_OUTPUT = "Task Hello() without outputs has no custom complete() method"


def printed(lines):
    """What was printed, for a message: each line on a line of its own."""
    return "\n".join(["; it printed:", *lines]) if lines else "; it printed nothing"


def own_lines(output):
    """What a command printed besides luigi's log lines and execution summary."""
    summary = re.compile(r"^(DEBUG|INFO|WARNING|ERROR): |^\s|^Scheduled |^\* |^This progress |^Did not run |^=====|^$")
    return [line for line in output.splitlines() if not summary.search(line) and "UserWarning" not in line]


def test_todo1_hello_prints_hello_world(chapter, capfd):
    main = chapter.load()
    hello = main.Hello()
    capfd.readouterr()  # what the file printed when it was imported does not count: run() must print it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = chapter.build(hello)
    lines = capfd.readouterr().out.splitlines()
    assert "Hello World" in lines, f"Hello.run() should print the line {show('Hello World')}{printed(lines)}"
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    # The warning the chapter explains: without output(), luigi can't tell if Hello is done.
    assert any(NO_OUTPUT in str(warning.message) for warning in caught), (
        "in this chapter, Hello has no output(): luigi should warn that it cannot tell whether Hello is done"
    )


def test_todo2_documented_command_runs_hello(chapter):
    result = chapter.cli()
    command = chapter.chapter.command
    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}"
    # What Hello prints is TODO 1's to check: this one checks that luigi ran it.
    assert "* 1 ran successfully:\n    - 1 Hello()" in result.stdout, (
        f"`{command}` should run Hello, and luigi's summary say so{printed(result.stdout.splitlines())}"
    )
    assert NO_OUTPUT in result.stdout, f"`{command}` should show luigi's warning {show(NO_OUTPUT)}"


def test_todo2_a_failing_task_makes_the_command_exit_non_zero(chapter):
    """main.py runs whatever task the command line names: here one that fails,
    from a module next to it that luigi imports (--module)."""
    (chapter.copy() / "broken.py").write_text(
        "import luigi\n\n\nclass Broken(luigi.Task):\n    def run(self):\n        raise RuntimeError('on purpose')\n"
    )
    result = chapter.cli("python main.py Broken --module broken --local-scheduler")
    assert "* 1 failed:\n    - 1 Broken()" in result.stdout, result.stdout
    assert result.returncode != 0, (
        "a task failed, yet `python main.py` exited 0: luigi.run() only returns False, and the script ends as if\n"
        "all went well. luigi.retcodes.run_with_retcodes(sys.argv[1:]) exits with the codes of luigi.cfg's [retcode]"
    )


def test_todo2_unknown_task_exits_non_zero(chapter):
    result = chapter.cli("python main.py Goodbye --local-scheduler")
    assert result.returncode != 0, "naming a task that does not exist should fail"
    assert "No task Goodbye" in result.stdout, f"naming a task that does not exist should say so:\n{result.stdout}"
