"""The report of `make check`: a progress table as the outcomes come, what
fails in the first chapter that is not done (one line per blank), and what
to do next."""

import sys

from tools.attendee.check.read import read
from tools.blanks import open_todos
from tools.chapters import CHAPTERS, WORKSHOP
from tools.paths import ROOT
from tools.paths import shown as relative

INDENT = " " * 7


def details(outcome):
    """The lines under the first chapter that is not done: what fails, one line per blank, then what is next."""
    if outcome.machine:
        return [f"{INDENT}This is not your code: {outcome.machine}"]
    lines, said = [], {}
    failing = {n: message for n, message in outcome.problems.items() if n not in {t.number for t in outcome.todos}}
    if outcome.stopped:
        failing = {0: failing[0]}  # the rest follows from it
    for blank in sorted(failing, key=lambda n: (n == 0, n)):  # a failure of the whole chapter after the blanks'
        label = f"TODO {blank}:" if blank else "also:" if lines else "problem:"
        if failing[blank] in said:
            lines.append(f"{INDENT}{label} the same as {said[failing[blank]]}")
            continue
        said[failing[blank]] = label.rstrip(":")
        first, *rest = failing[blank].splitlines()
        lines.append(f"{INDENT}{label} {first}")
        lines += [f"{INDENT}  {line}" for line in rest]
    numbered = sorted(n for n in failing if n)
    if len(numbered) > 1:  # a wrong first answer often fails the later blanks' checks too
        lines.append(f"{INDENT}tip: start with TODO {numbered[0]}: what fails after it may follow from it.")
    if outcome.todos and not outcome.stopped:
        todo = outcome.todos[0]
        lines.append(f"{INDENT}next: {relative(outcome.source)}:{todo.line}: TODO {todo.number}: {todo.text}")
    return lines


def untouched(outcome):
    """A chapter after the workshop whose blanks are all still open: not started, not failing."""
    return (
        outcome.chapter.after_workshop
        and not outcome.machine
        and set(outcome.problems) == {todo.number for todo in outcome.todos}
    )


def status(outcome):
    if outcome.done:
        return "done"
    count = len(outcome.todos)
    said = f"{count} TODO{'s' if count != 1 else ''} open" if count else outcome.stopped or "not right yet"
    if outcome.machine:
        said = "not checked: see below"
    elif outcome.stopped == "syntax error" and count:
        said = f"a syntax error; {said}"
    return f"not yet ({said})"


def report(outcomes, tree, checked_all, focus=None):
    """Print the table, as the outcomes come, with the details of the first
    chapter that is not done: the first from chapter focus on (the one that
    make watch saw saved), else the first of all. Returns the exit code."""
    print(f"Checking your exercises in {relative(tree) if tree != ROOT else 'this repo'}:\n", flush=True)
    done, first_open, earlier, outcome, after = 0, None, None, None, []
    for outcome in outcomes:  # in chapter order, each as soon as it is known
        chapter = outcome.chapter
        if chapter.after_workshop and checked_all and not after:
            print("  after the workshop:")
        after += [outcome] if chapter.after_workshop else []
        print(f"  {chapter.number}  {chapter.name:<14} {status(outcome)}", flush=True)
        done += outcome.done and not chapter.after_workshop
        if outcome.done or (checked_all and untouched(outcome)):
            continue
        if focus and chapter.number < focus.number:
            earlier = earlier or outcome
        elif first_open is None:
            first_open = outcome
            print("\n".join(details(outcome)))
        sys.stdout.flush()
    if first_open is None and earlier:
        first_open = earlier
        print(f"\n{earlier.chapter.name}:\n" + "\n".join(details(earlier)))
    if checked_all:
        print(f"\n{done} of {len(WORKSHOP)} chapters done.")
    else:
        print(f"\n{int(outcome.done)} of 1 chapter done.")
    if first_open:
        verbs = {"a file hides a module": "Rename", "syntax error": "Fix"}  # else: fill in what is open
        verb = verbs.get(first_open.stopped) or ("Fill in" if first_open.todos else "Fix")
        if first_open.machine:
            print("Fix that, then run: make doctor, then make check again.")
        else:
            print(f"{verb} {relative(first_open.source)}, then run: make check CHAPTER={first_open.chapter.name}")
        return 1
    if checked_all:
        print("Every chapter of the workshop is done. Well done!" + "".join(f"\n{next_step(o, tree)}" for o in after))
    else:
        print(what_next(outcome.chapter, tree))
    return 0


def next_step(outcome, tree):
    """The line for a chapter after the workshop, once the workshop's are done."""
    chapter = outcome.chapter
    if outcome.done:
        return f"Chapter {chapter.number}, {chapter.name}, after the workshop, is done too."
    source = relative(chapter.folder(tree) / "main.py")
    return (
        f"Next, after the workshop: chapter {chapter.number}, {chapter.name}."
        f" Fill in {source}, then run: make check CHAPTER={chapter.name}"
    )


def what_next(chapter, tree):
    """After one chapter passes: the next chapter that still has open blanks
    (one filled in ahead is skipped), or those still open before it, or all done."""
    still_open = []
    for other in CHAPTERS:
        text, problem, _ = read(other.folder(tree) / "main.py", other)
        if other is not chapter and (problem or open_todos(text)):
            still_open.append(other)
    later = [c for c in still_open if c.number > chapter.number]
    workshop_open = [c for c in still_open if not c.after_workshop]
    if later and (not later[0].after_workshop or not workshop_open):
        following = later[0]
        when = ", after the workshop" if following.after_workshop else ""
        source = relative(following.folder(tree) / "main.py")
        return (
            f"Next{when}: chapter {following.number}, {following.name}. "
            f"Fill in {source}, then run: make check CHAPTER={following.name}"
        )
    if workshop_open:
        names = ", ".join(c.name for c in workshop_open)
        after = "That was the last chapter." if chapter is CHAPTERS[-1] else "The chapters after it have no open blank."
        return f"{after} Still open: {names}; make check shows where you are."
    if chapter is CHAPTERS[-1]:
        return "That was the last chapter: all done! `make check` checks every chapter once more."
    return "No chapter has an open blank left: `make check` checks every chapter once more."
