"""Chapter 2, CreateOutput: a target, written atomically, makes a task complete."""

from pathlib import Path

import luigi

from tools.check import show

CHAPTER = "CreateOutput"
EXPECTED = "Hello World\n"


def test_todo1_output_is_a_local_file(chapter):
    main = chapter.load()
    target = main.Hello().output()
    assert isinstance(target, luigi.LocalTarget), (
        f"Hello.output() should return a luigi.LocalTarget, not {show(target)}"
    )
    assert target.path == "hello_world.txt", (
        f"Hello.output() should name the file {show('hello_world.txt')}, not {show(target.path)}"
    )


def test_todo2_run_writes_hello_world(chapter):
    main = chapter.load()
    result = chapter.build(main.Hello())
    assert result.status == luigi.LuigiStatusCode.SUCCESS, result.summary_text
    assert Path("hello_world.txt").exists(), "Hello ran, but wrote no hello_world.txt in the folder where it ran"
    written = Path("hello_world.txt").read_text()
    assert written == EXPECTED, f"hello_world.txt should contain {show(EXPECTED)}, but it contains {show(written)}"


def test_todo2_run_writes_through_the_target(chapter):
    """Writing through self.output().open("w") is what makes the write atomic."""
    main = chapter.load()
    modes = []

    class WatchedTarget(luigi.LocalTarget):
        def open(self, mode="r"):
            modes.append(mode)
            return super().open(mode)

    class WatchedHello(main.Hello):
        def output(self):
            return WatchedTarget(super().output().path)

    WatchedHello().run()
    assert "w" in modes, 'run() should write with self.output().open("w"), so that luigi writes the file atomically'


def test_todo2_a_complete_task_does_not_run_again(chapter):
    main = chapter.load()
    chapter.build(main.Hello())
    Path("hello_world.txt").write_text("already here\n")
    result = chapter.build(main.Hello())
    assert "1 complete ones were encountered" in result.summary_text, (
        f"once hello_world.txt exists, luigi should find Hello complete:\n{result.summary_text}"
    )
    assert Path("hello_world.txt").read_text() == "already here\n", "a complete task must not run again"


def test_todo2_documented_command_writes_the_file(chapter):
    first = chapter.cli()
    assert first.returncode == 0, f"`{chapter.chapter.command}` failed:\n{first.stdout}"
    written = chapter.copy() / "hello_world.txt"
    assert written.exists(), f"`{chapter.chapter.command}` should write hello_world.txt:\n{first.stdout}"
    assert written.read_text() == EXPECTED, (
        f"hello_world.txt should contain {show(EXPECTED)}, not {show(written.read_text())}"
    )
    again = chapter.cli()
    assert again.returncode == 0, f"`{chapter.chapter.command}`, run a second time, failed:\n{again.stdout}"
    assert "* 1 complete ones were encountered:\n    - 1 Hello()" in again.stdout, (
        f"run a second time, `{chapter.chapter.command}` should find Hello complete:\n{again.stdout}"
    )
    assert "Did not run any tasks" in again.stdout, again.stdout


def test_a_run_that_writes_nothing_still_ran_successfully(chapter, caplog):
    """luigi does not look at a task's output after its run() (unless [worker]
    check_complete_on_run is set): a run() that forgets to write "ran
    successfully". The mistake shows only in the task that needs the file."""
    main = chapter.load()

    class Forgetful(main.Hello):
        def run(self):
            pass  # writes nothing

    class NeedsTheGreeting(luigi.Task):
        def requires(self):
            return Forgetful()

        def output(self):
            return luigi.LocalTarget("shout.txt")

        def run(self):
            with self.input().open() as greeting, self.output().open("w") as shout:
                shout.write(greeting.read().upper())

    result = chapter.build(NeedsTheGreeting())
    assert result.status == luigi.LuigiStatusCode.FAILED, result.summary_text
    assert "* 1 ran successfully:\n    - 1 Forgetful()" in result.summary_text, result.summary_text
    assert "* 1 failed:\n    - 1 NeedsTheGreeting()" in result.summary_text, result.summary_text
    assert f"Unfulfilled dependency at run time: {Forgetful().task_id}" in caplog.text
    assert not Path("hello_world.txt").exists() and not Path("shout.txt").exists()
