"""Chapter 2, CreateOutput: a target, written atomically, makes a task complete."""

from pathlib import Path

import luigi
import pytest
from harness import show, targets_in

GREETING = "Hello World\n"  # a line, with its end: cat shows the prompt on a line of its own


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
def test_run_writes_through_the_target_and_closes_it(chapter, monkeypatch):
    """Through target.open("w") (or temporary_path()): luigi writes a temporary
    file and renames it only once it is closed, so that a crash never leaves a
    half-written file that counts as done."""
    main = chapter.load()
    opened, paths = [], []
    real_open, real_temporary = luigi.LocalTarget.open, luigi.LocalTarget.temporary_path

    def spy_open(self, mode="r"):
        file = real_open(self, mode)
        opened.append(file) if "w" in mode else None
        return file

    def spy_temporary(self):
        paths.append(self)
        return real_temporary(self)

    monkeypatch.setattr(luigi.LocalTarget, "open", spy_open)
    monkeypatch.setattr(luigi.LocalTarget, "temporary_path", spy_temporary)
    chapter.build(main.Hello())
    assert opened or paths, (
        'run() should write through self.output().open("w"): it writes to a temporary file and renames it when\n'
        "the file is closed, so that a crash never leaves a half-written hello_world.txt that counts as done"
    )
    assert all(file.closed for file in opened), (
        'the file that self.output().open("w") gave is never closed, so it is never renamed into place: write\n'
        "in a with block, which closes it"
    )


@pytest.mark.blank(2)
def test_running_hello_writes_hello_world(chapter):
    main = chapter.load()
    result = chapter.build(main.Hello())
    assert result.scheduling_succeeded, result.summary_text
    written = read("hello_world.txt") if Path("hello_world.txt").exists() else None
    assert written == GREETING, (
        f"hello_world.txt should hold the line {show(GREETING)}, with its line end,\nnot {show(written)}"
    )
    assert main.Hello().complete(), "once hello_world.txt exists, Hello is complete"


@pytest.mark.blank(2)
def test_a_crash_halfway_leaves_no_file(chapter, monkeypatch):
    """The with block closes (and so renames) the file only when it ends without an exception."""
    main = chapter.load()
    real_open, real_temporary = luigi.LocalTarget.open, luigi.LocalTarget.temporary_path
    writes, temporary = [], []

    class CrashAfterWriting:
        def __init__(self, file):
            self.file = file

        def write(self, text):
            self.file.write(text)
            writes.append(text)
            raise OSError("the disk is full (a crash that the test provokes)")

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def __getattr__(self, name):
            return getattr(self.file, name)

        def __enter__(self):
            self.file.__enter__()
            return self

        def __exit__(self, *exc):
            return self.file.__exit__(*exc)

    def crashing(self, mode="r"):
        return CrashAfterWriting(real_open(self, mode)) if "w" in mode else real_open(self, mode)

    monkeypatch.setattr(luigi.LocalTarget, "open", crashing)
    monkeypatch.setattr(
        luigi.LocalTarget, "temporary_path", lambda self: temporary.append(self) or real_temporary(self)
    )
    chapter.build(main.Hello())
    if temporary and not writes:
        return  # temporary_path() renames the file only when its with block ends without an exception
    assert writes, 'run() should write its greeting through self.output().open("w")'
    assert not Path("hello_world.txt").exists(), (
        "a crash while writing left hello_world.txt behind, and Hello now counts as done: close the file only\n"
        'when all is written, as a with block does (with self.output().open("w") as ...:)'
    )


def test_the_command_runs(chapter):
    """The chapter's command, run in this process: all of main.py works together."""
    ran = chapter.main(*("Hello", "--local-scheduler"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_writes_the_file_and_a_rerun_does_nothing(ran):
    chapter, first = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
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
