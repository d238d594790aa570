"""What the chapter tests use to look at a chapter: its main.py loaded in
this process, its tasks built on luigi's local scheduler, its command run
in this process (quick) or as typed in a shell (thorough), and plain words
for what they find. The fixtures in conftest.py hand it to the tests."""

import contextlib
import datetime
import importlib.util
import io
import logging
import os
import re
import runpy
import subprocess
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import luigi
import luigi.task_register

from tools.processes import command_env


def show(value):
    """A value in a failure message, shown the same way whether it is what was
    expected or what the attendee's code gave: a task as Producer(), a task
    class as "the class Producer", None as "nothing (None)", another object
    by its type ("a luigi.LocalTarget"), a long list by its ends."""
    if value is None:
        return "nothing (None)"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if isinstance(value, luigi.Task):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        if len(items) > 6:
            return f"[{show(items[0])}, {show(items[1])}, ..., {show(items[-1])}] ({len(items):,} in all)"
        return "[" + ", ".join(show(item) for item in items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(key)}: {show(item)}" for key, item in value.items()) + "}"
    if isinstance(value, datetime.date):
        return str(value)  # 2026-11-23, unquoted: so unlike the text '2026-11-23'
    module = type(value).__module__
    if module == "builtins":
        return repr(value)
    return f"a {'' if module == 'main' else module.split('.')[0] + '.'}{type(value).__name__}"


def first_difference(expected, actual, what="line"):
    """Where two lists of lines part, in words: the first line that differs, both ways."""
    for number, (want, got) in enumerate(zip(expected, actual, strict=False), 1):
        if want != got:
            return f"{what} {number} should be {show(want)}, not {show(got)}"
    if len(actual) < len(expected):
        return f"{what} {len(actual) + 1} should be {show(expected[len(actual)])}, but there is none"
    if len(actual) > len(expected):
        return f"there should be {len(expected)} {what}s, not {len(actual)}: {what} {len(expected) + 1} is too many"
    return ""


def tasks_in(value):
    """The tasks in what requires() returned: one, or any list, dict or generator of them, as luigi takes it."""
    return luigi.task.flatten(value)


def targets_in(value):
    """The targets in what input() or output() returned: one, a list, or a dict of them."""
    return luigi.task.flatten(value)


def differences(expected, actual, what):
    """Where two mappings differ, in words, one line each: never cut in the middle of the attendee's answer."""
    lines = []
    for key in sorted(set(expected) | set(actual), key=str):
        if expected.get(key) != actual.get(key):
            lines.append(f"the {what} of {show(key)} should be {show(expected.get(key))}, not {show(actual.get(key))}")
    return "\n".join(lines[:6] + ([f"... and {len(lines) - 6} more"] if len(lines) > 6 else []))


@dataclass
class Ran:
    """What a command did: its exit code, and what it printed and logged."""

    code: int
    output: str

    def __str__(self):
        """The exit code and what matters of the output: luigi's summary, or the traceback (the check
        shows where it went through main.py), or the end of the output."""
        summary = self.output.split("===== Luigi Execution Summary =====")
        if len(summary) > 2:
            errors = re.findall(r"^(?:\w+\.)*\w+(?:Error|Exception): .*$", self.output, re.M)
            shown = summary[1].strip() + (f"\n{errors[-1]}" if errors else "")
        elif "Traceback (most recent call last):" in self.output:
            shown = (
                "Traceback (most recent call last):" + self.output.rsplit("Traceback (most recent call last):", 1)[1]
            )
        else:
            shown = "\n".join(self.output.strip().splitlines()[-8:])
        return f"exit code {self.code}:\n{shown.strip()}"


class ChapterUnderTest:
    def __init__(self, record, tree, workdir, luigid=None):
        self.record = record
        self.tree = Path(tree)
        self.workdir = Path(workdir)
        self.luigid = luigid  # for a chapter that needs one: a tools.luigid.Luigid of the module's

    @property
    def command(self):
        return self.record.command

    def copy(self):
        """The chapter folder copied into this test's folder, without its outputs."""
        target = self.workdir / self.record.name
        if not target.exists():
            self.record.copy(self.tree, target)
            self.published = self.files()
        return target

    def unlisted(self):
        """What the chapter's tasks wrote in the copy beyond its record's `writes`: make clean would miss it."""
        return sorted(name for name in self.files() - self.published if not self.record.generated(name))

    def load(self, today=None):
        """Import main.py afresh, as a module called main, from this test's copy:
        a path that main.py builds from __file__ points into the copy. today:
        the date that datetime.date.today() gives while main.py is imported."""
        folder = self.copy()
        spec = importlib.util.spec_from_file_location("main", folder / "main.py")
        module = importlib.util.module_from_spec(spec)
        with self.beside(folder), pretend_today(today):
            spec.loader.exec_module(module)
        return module

    @contextlib.contextmanager
    def beside(self, folder):
        """As `python main.py` has it: main.py's folder first on sys.path (a module next to
        it imports), and no bytecode written into it."""
        for name in [n for n, m in sys.modules.items() if str(getattr(m, "__file__", "")).startswith(str(folder))]:
            del sys.modules[name]
        writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        sys.path.insert(0, str(folder))
        try:
            yield
        finally:
            sys.path.remove(str(folder))
            sys.dont_write_bytecode = writes_bytecode

    def build(self, *tasks, workers=1):
        """Run tasks on luigi's local scheduler, in the current folder: a LuigiRunResult."""
        return luigi.build(list(tasks), local_scheduler=True, detailed_summary=True, workers=workers)

    def main(self, *argv):
        """Run main.py as `python main.py ARGV...` does, but in this process (a
        tenth of the time): a Ran with the exit code and what was printed and
        logged. The documented command itself runs as typed in cli()."""
        folder = self.copy()
        registry = luigi.task_register.Register._reg  # without the classes of main.py loaded before: one Hello
        registry[:] = [cls for cls in registry if cls.__module__ not in ("main", "__main__")]
        output = io.TextIOWrapper(io.BytesIO(), errors="replace", write_through=True)  # bytes that are no UTF-8 too
        handler = logging.StreamHandler(output)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        loggers = [logging.getLogger(name) for name in ("luigi-interface", "luigi")]
        levels = [logger.level for logger in loggers]
        code = 0
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.chdir(folder) if hasattr(contextlib, "chdir") else chdir(folder))
            stack.enter_context(self.beside(folder))
            stack.enter_context(contextlib.redirect_stdout(output))
            stack.enter_context(contextlib.redirect_stderr(output))
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
            argv_before, sys.argv = sys.argv, ["main.py", *argv]
            stack.callback(setattr, sys, "argv", argv_before)
            for logger in loggers:
                logger.addHandler(handler)
                logger.setLevel(logging.INFO)
            try:
                runpy.run_path(str(folder / "main.py"), run_name="__main__")
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
                if isinstance(exit.code, str):
                    print(exit.code, file=output)
            except Exception:  # as Python ends a program: the traceback, and exit code 1
                traceback.print_exc(file=output)
                code = 1
            finally:
                for logger, level in zip(loggers, levels, strict=True):
                    logger.removeHandler(handler)
                    logger.setLevel(level)
            for warning in caught:
                output.write(f"{warning.category.__name__}: {warning.message}\n")
        return Ran(code, output.buffer.getvalue().decode(errors="replace"))

    def cli(self, command=None, timeout=120, folder=None):
        """Run a shell command (the documented one by default) as typed, in a
        copy of the chapter folder: the CompletedProcess, output merged."""
        return subprocess.run(
            command or self.command,
            shell=True,
            cwd=folder or self.copy(),
            env=command_env(self.workdir / "tmp", self.config()),
            stdin=subprocess.DEVNULL,  # an input() in main.py gets no answer, rather than waiting
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )

    def config(self):
        """For a chapter that needs luigid: a luigi configuration file that sends its
        commands, unchanged, to the module's luigid, quickly."""
        if not self.luigid:
            return None
        path = self.workdir / "luigi-test.cfg"
        return path if path.exists() else self.luigid.client_config(path, self.record.quick)

    def files(self):
        """Every file in the copy, relative to it. Compare before and after a command to see what it wrote."""
        copy = self.copy()
        return {p.relative_to(copy).as_posix() for p in copy.rglob("*") if not p.is_dir()}

    def written(self):
        """The outputs of the chapter's tasks in the copy."""
        copy = self.copy()
        return sorted(p for p in copy.rglob("*") if p.is_file() and self.record.generated(p.relative_to(copy)))


@contextlib.contextmanager
def chdir(folder):  # contextlib.chdir, which Python 3.10 lacks
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def pretend_today(day):
    """While main.py is imported: datetime.date.today() gives day (a default
    of today must follow the calendar, not be written down)."""
    if day is None:
        yield
        return
    real = sys.modules["datetime"]

    class Date(real.date):
        @classmethod
        def today(cls):
            return cls(day.year, day.month, day.day)

    class DateTime(real.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(day.year, day.month, day.day, 12, tzinfo=tz)

        @classmethod
        def today(cls):
            return cls.now()

    fake = type(real)("datetime")
    fake.__dict__.update(real.__dict__)
    fake.date, fake.datetime = Date, DateTime
    sys.modules["datetime"] = fake
    try:
        yield
    finally:
        sys.modules["datetime"] = real
