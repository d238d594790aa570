"""Chapter 1, Basics: a task is a class, and the command line names it."""

import pytest
from harness import show

NO_OUTPUT = "Task Hello() without outputs has no custom complete() method"
FAILED = 30  # luigi.cfg: [retcode] task_failed
BROKEN = "import luigi\n\n\nclass Broken(luigi.Task):\n    def run(self):\n        raise RuntimeError('on purpose')\n"


def printed(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return "; it printed:\n" + "\n".join(lines) if lines else "; it printed nothing"


def printed_by(capture):
    return capture.readouterr().out.decode(errors="replace")  # what is no UTF-8 too


@pytest.mark.blank(1)
def test_run_prints_hello_world(chapter, capsysbinary):
    main = chapter.load()
    printed_by(capsysbinary)  # what the file printed when it was imported does not count
    hello = main.Hello()
    assert not printed_by(capsysbinary), "Hello() printed something as it was made: print in run(), not elsewhere"
    hello.run()
    out = printed_by(capsysbinary)
    assert "Hello World" in out.splitlines(), f"Hello.run() should print the line {show('Hello World')}{printed(out)}"


@pytest.mark.blank(1)
def test_luigi_runs_hello_and_it_prints_once(chapter, capfdbinary):
    main = chapter.load()
    printed_by(capfdbinary)
    result = chapter.build(main.Hello())
    out = printed_by(capfdbinary)
    assert result.scheduling_succeeded, result.summary_text
    assert out.splitlines().count("Hello World") == 1, (
        f"when luigi runs Hello, it should print Hello World once, in run(){printed(out)}"
    )


@pytest.mark.blank(2)
def test_the_command_runs_hello(chapter):
    ran = chapter.main("Hello", "--local-scheduler")
    assert ran.code == 0, f"`{chapter.command}` should succeed; it ended with {ran}"
    assert "* 1 ran successfully:\n    - 1 Hello()" in ran.output, (
        f"`{chapter.command}` should run Hello, and luigi's summary say so; it printed:\n{ran.output}"
    )


@pytest.mark.blank(2)
def test_a_failed_task_exits_with_luigi_cfgs_code(chapter):
    """main.py runs whatever task the command line names: here one that fails,
    from a module next to it that luigi imports (--module)."""
    (chapter.copy() / "broken.py").write_text(BROKEN)
    ran = chapter.main("Broken", "--module", "broken", "--local-scheduler")
    assert "* 1 failed:\n    - 1 Broken()" in ran.output, (
        "the command line names the task to run (here Broken, which fails): hand it, sys.argv[1:], to"
        f" luigi.retcodes.run_with_retcodes; {ran}"
    )
    assert ran.code == FAILED, (
        f"a failed task should end the command with exit code {FAILED}, the code that luigi.cfg's [retcode] section\n"
        f"gives task_failed; it exited {ran.code}. luigi.retcodes.run_with_retcodes(sys.argv[1:]) picks that code"
        " (luigi.run() only returns False)"
    )


@pytest.mark.thorough
def test_documented_command_prints_hello_world_and_luigi_warns(ran):
    chapter, result = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    assert result.returncode == 0, result.stdout
    assert "\nHello World\n" in result.stdout and "* 1 ran successfully:\n    - 1 Hello()" in result.stdout
    assert NO_OUTPUT in result.stdout, "luigi warns that Hello has no output (the page explains it)"


@pytest.mark.thorough
def test_an_unknown_task_fails_naming_the_closest_ones(chapter):
    ran = chapter.main("Helo", "--local-scheduler")
    assert ran.code == 1 and "TaskClassNotFoundException: No task Helo. Did you mean:\nHello\n" in ran.output, ran
