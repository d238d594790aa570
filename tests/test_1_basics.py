"""Chapter 1, Basics: a task is a class, and the command line names it."""

import luigi
import pytest

CHAPTER = "Basics"


def test_todo1_hello_prints_hello_world(chapter, capfd):
    main = chapter.load()
    # The warning the chapter explains: without output(), luigi can't tell if Hello is done.
    with pytest.warns(UserWarning, match=r"Task Hello\(\) without outputs has no custom complete\(\) method"):
        result = chapter.build(main.Hello())
    printed = capfd.readouterr().out
    assert "Hello World" in printed.splitlines(), (
        f"Hello.run() should print the line 'Hello World', but it printed {printed!r}"
    )
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text


def test_todo2_documented_command_runs_hello(chapter):
    result = chapter.cli()
    assert result.returncode == 0, f"`{chapter.chapter.command}` failed:\n{result.stdout}"
    assert "Hello World" in result.stdout.splitlines(), (
        f"`{chapter.chapter.command}` should print 'Hello World'; it printed:\n{result.stdout}"
    )
    assert "* 1 ran successfully:\n    - 1 Hello()" in result.stdout
    # The warning the chapter explains: without output(), luigi can't tell if Hello is done.
    assert "Task Hello() without outputs has no custom complete() method" in result.stdout


def test_todo2_a_failing_task_makes_the_command_exit_non_zero(chapter):
    """main.py runs whatever task the command line names: here one that fails,
    from a module next to it that luigi imports (--module)."""
    (chapter.copy() / "broken.py").write_text(
        "import luigi\n\n\nclass Broken(luigi.Task):\n    def run(self):\n        raise RuntimeError('on purpose')\n"
    )
    result = chapter.cli("python main.py Broken --module broken --local-scheduler")
    assert "* 1 failed:\n    - 1 Broken()" in result.stdout, result.stdout
    assert result.returncode != 0, (
        "a task failed, yet `python main.py` exited 0: luigi.run() only returns False, and the script ends as if"
        " all went well. luigi.retcodes.run_with_retcodes(sys.argv[1:]) exits with the codes of luigi.cfg's [retcode]"
    )


def test_todo2_unknown_task_exits_non_zero(chapter):
    result = chapter.cli("python main.py Goodbye --local-scheduler")
    assert result.returncode != 0, "naming a task that does not exist should fail"
    assert "No task Goodbye" in result.stdout
