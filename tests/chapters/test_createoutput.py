"""Chapter 2, CreateOutput: a target, written atomically, makes a task complete."""

from pathlib import Path

import luigi
import pytest
from harness import show, targets_in

GREETING = ("Hello World\n", "Hello World")  # the line, with or without its end


def read(path):
    data = Path(path).read_bytes()
    return data.decode(errors="replace")


@pytest.mark.blank(1)
def test_output_is_the_file_hello_world_txt(chapter):
    main = chapter.load()
    targets = targets_in(main.Hello().output())
    assert len(targets) == 1, f"Hello.output() should return one target, not {show(main.Hello().output())}"
    [target] = targets
    assert isinstance(target, luigi.LocalTarget), (
        f"Hello.output() should return a luigi.LocalTarget, not {show(target)}"
    )
    assert Path(target.path).resolve() == Path("hello_world.txt").resolve(), (
        f"the target should be the file hello_world.txt in the folder you run in, not {show(target.path)}"
    )
    assert not target.exists(), "before Hello runs, its target should not exist"


@pytest.mark.blank(2)
def test_running_hello_writes_hello_world(chapter):
    main = chapter.load()
    result = chapter.build(main.Hello())
    assert result.scheduling_succeeded, result.summary_text
    written = read("hello_world.txt") if Path("hello_world.txt").exists() else None
    assert written in GREETING, f"hello_world.txt should hold the line {show('Hello World')}, not {show(written)}"
    assert main.Hello().complete(), "once hello_world.txt exists, Hello is complete"


@pytest.mark.blank(2)
def test_run_writes_through_the_target(chapter, monkeypatch):
    """Through target.open("w") (or temporary_path()): luigi writes a temporary
    file and renames it only once closed, so that a crash never leaves a
    half-written file that counts as done."""
    main = chapter.load()
    atomic = []
    for name in ("open", "temporary_path"):
        real = getattr(luigi.LocalTarget, name)

        def spy(self, *args, real=real, name=name, **kwargs):
            mode = args[0] if args else kwargs.get("mode", "r")
            if name == "temporary_path" or "w" in mode:
                atomic.append(name)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(luigi.LocalTarget, name, spy)
    chapter.build(main.Hello())
    assert atomic, (
        'run() should write through self.output().open("w"): it writes to a temporary file and renames it when\n'
        "the file is closed, so that a crash never leaves a half-written hello_world.txt that counts as done"
    )


def test_the_command_runs(chapter):
    """The chapter's command, run in this process: all of main.py works together."""
    ran = chapter.main(*("Hello", "--local-scheduler"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_writes_the_file_and_a_rerun_does_nothing(ran):
    chapter, first = ran
    assert first.returncode == 0 and "* 1 ran successfully:\n    - 1 Hello()" in first.stdout, first.stdout
    assert (chapter.copy() / "hello_world.txt").read_text() == "Hello World\n"
    again = chapter.main("Hello", "--local-scheduler")
    assert again.code == 0 and "* 1 complete ones were encountered:\n    - 1 Hello()" in again.output, again
    assert "Did not run any tasks" in again.output


@pytest.mark.thorough
def test_a_run_that_writes_nothing_still_ran_successfully(chapter):
    """luigi does not look at the output after run(): the page says so."""
    main = chapter.load()

    class Silent(main.Hello):
        def run(self):
            pass

    result = chapter.build(Silent())
    assert "1 ran successfully" in result.summary_text and not Path("hello_world.txt").exists()
