"""`make check`: are the attendee's exercises right yet?

Runs the chapter tests against the exercise files (the chapter folders at the
top of the repo), chapter by chapter in workshop order, each test in a
temporary folder, and prints a progress table with a hint for the first
chapter that is not done. Exits 0 only when every checked chapter passes.

    python -m tools.check [CHAPTER] [--tree DIR]
"""

import argparse
import contextlib
import io
import sys
from pathlib import Path

import pytest

from tools.blanks import open_todos
from tools.chapters import CHAPTERS, EXERCISES, ROOT, find


class Results:
    """A pytest plugin that keeps the first failure of each test file."""

    def __init__(self):
        self.ran, self.failures = set(), {}

    def pytest_runtest_logreport(self, report):
        path = Path(report.fspath).name
        self.ran.add(path)
        if report.failed and path not in self.failures:
            self.failures[path] = (report.nodeid.split("::")[-1], plain(report))


def plain(report):
    """A failure in plain words: the message the test wrote for a learner,
    or the exception that the attendee's code raised."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash else str(report.longrepr).strip().splitlines()[-1]
    message = message.split("\nassert ")[0].removeprefix("AssertionError: ")
    return " ".join(message.split())


def shown(path):
    with contextlib.suppress(ValueError):
        return path.relative_to(Path.cwd())
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", help="check only this chapter")
    parser.add_argument("--tree", default=str(EXERCISES), help="folder with the chapter folders (default: the repo)")
    args = parser.parse_args(argv)
    chapters = [find(args.chapter)] if args.chapter else CHAPTERS
    tree = Path(args.tree).resolve()

    results = Results()
    pytest_args = [str(c.tests) for c in chapters]
    pytest_args += ["--tree", str(tree), "--rootdir", str(ROOT), "-p", "no:cacheprovider", "-q", "--tb=short"]
    pytest_args += ["-m", "not thorough"]  # an answer in about two seconds per chapter
    sys.dont_write_bytecode = True  # never leave __pycache__ in the attendee's folders
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main(pytest_args, plugins=[results])

    print(f"Checking your exercises in {shown(tree) if tree != ROOT else 'this repo'}:\n")
    done, hinted = 0, False
    for chapter in chapters:
        source = chapter.folder(tree) / "main.py"
        todos = open_todos(source.read_text()) if source.exists() else []
        failure = results.failures.get(chapter.tests.name)
        if chapter.tests.name not in results.ran:
            failure = ("", "the tests did not run: try `make test` to see why")
        if failure is None:
            done += 1
            print(f"  {chapter.number}  {chapter.name:<14} done")
            continue
        status = f"{len(todos)} TODO{'s' if len(todos) != 1 else ''} open" if todos else "not right yet"
        print(f"  {chapter.number}  {chapter.name:<14} not yet ({status})")
        if not hinted:
            hinted = True
            if todos:
                first = todos[0]
                print(f"       next: {shown(source)}:{first.line}: TODO {first.number}: {first.text}")
            else:
                test, message = failure
                print(f"       failing: {message}")
                print(f"       (test {test} in {shown(chapter.tests)})")

    print(f"\n{done} of {len(chapters)} chapter{'s' if len(chapters) != 1 else ''} done.")
    first_open = next(
        (c for c in chapters if c.tests.name in results.failures or c.tests.name not in results.ran), None
    )
    if first_open:
        source = first_open.folder(tree) / "main.py"
        verb = "Fill in" if open_todos(source.read_text()) else "Fix"
        print(f"{verb} {shown(source)}, then run: make check CHAPTER={first_open.name}")
        return 1
    if len(chapters) == len(CHAPTERS):
        print("Every chapter is done. Well done!")
    return 0


if __name__ == "__main__":
    sys.exit(main())
