"""`make check`: are the attendee's exercises right yet?

For each chapter, in workshop order, runs the chapter's quick tests (those
not marked thorough) on a copy of the attendee's chapter folder, in a test
process of its own with a time limit, a few chapters at a time. Prints a
progress table; for the first chapter that is not done, what fails, one
line per blank, in the attendee's terms. Exits 0 once every chapter of the
workshop passes.

The package, by job: read.py reads main.py and explains what Python cannot
read; run.py checks one chapter in its test process, host.py; explain.py
turns a failure into plain words (in that process); cache.py remembers the
chapters that passed; report.py prints; __main__.py is the command.
`make hint` and `make watch` call failing_blanks().
"""

from pathlib import Path

from tools import processes
from tools.attendee.check.run import TIME_LIMIT, check
from tools.chapters import EXERCISES, find


def failing_blanks(chapter, tree=EXERCISES, time_limit=TIME_LIMIT, trust_passed=False):
    """The blanks of a chapter that are open or fail: {blank number: one plain
    message}, in blank order, empty when the chapter is done. Key 0 holds what
    is not tied to one blank (main.py missing, unreadable, not finishing, a
    problem of the machine's). With trust_passed, a chapter that passed before
    on the very same files is not checked again."""
    if not hasattr(chapter, "tests"):
        chapter = find(str(chapter))
    with processes.scratch("check") as scratch:
        outcome = check(chapter, Path(tree), scratch, time_limit, trust_passed)
    problems = dict(outcome.problems)
    if outcome.machine:
        problems[0] = f"this is not your code: {outcome.machine}"
    return dict(sorted(problems.items()))
