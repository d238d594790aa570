"""`make hint`: a hint for the first blank that is open or not right yet.

Three levels: 1. what to do, 2. which API to use (both from the chapter's
record, solutions/<Chapter>/chapter.toml), 3. the answer (read from the
chapter's solution). Asking again for the same blank shows the next level;
--level picks one. What was shown is kept in .workshop/hints.json.

    python -m tools.attendee.hint [--level N] [--tree DIR] [--] [CHAPTER]
"""

import argparse
import contextlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tools import processes
from tools.attendee import check
from tools.blanks import answer, open_todos, todos
from tools.chapters import CHAPTERS, EXERCISES, every, find
from tools.paths import SOLUTIONS, STATE, shown

LEVELS = 3
SEEN = STATE / "hints.json"


@dataclass
class Blank:
    chapter: object  # a tools.chapters.Chapter
    todo: object  # a tools.blanks.Todo
    source: Path  # the attendee's main.py
    failing: str = ""  # why the check rejects it, when it is filled in but not right

    @property
    def key(self):
        return f"{self.chapter.name}:{self.todo.number}"


def failing_blanks(chapter, tree):
    """{blank number: plain message} for the chapter's blanks that its tests
    reject (key 0: a failure tied to no blank). A chapter that passed before
    on the very same files is not checked again: with four chapters done, the
    hint for the fifth comes at once."""
    return check.failing_blanks(chapter, tree, trust_passed=True)


def next_blank(chapter, tree):
    """(the chapter's first blank, in file order, that is open or failing, or
    None; the failures that the checker found, or None if it cannot tell)."""
    source = chapter.folder(tree) / "main.py"
    try:
        text = source.read_text()
    except (OSError, UnicodeDecodeError):  # missing or unreadable: the checker says so in its words (key 0)
        return None, failing_blanks(chapter, tree) or {0: f"{shown(source)} cannot be read"}
    open_numbers = {todo.number for todo in open_todos(text)}
    failing = failing_blanks(chapter, tree)
    if failing and 0 in failing and open_numbers:
        return None, failing  # the file cannot run (a syntax error, say): that comes before any blank
    for todo in todos(text):
        if todo.number in open_numbers:
            return Blank(chapter, todo, source), failing
        if failing and todo.number in failing:
            return Blank(chapter, todo, source, failing[todo.number]), failing
    return None, failing


def next_not_done(done, tree):
    """Where to go after a chapter that is done: the next chapter (after it,
    else before it) with open blanks or failing ones, as a command for make hint."""
    later = [c for c in CHAPTERS if c.number > done.number] + [c for c in CHAPTERS if c.number < done.number]
    for chapter in later:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if open_todos((chapter.folder(tree) / "main.py").read_text()) or failing_blanks(chapter, tree):
                return f"Next not done: {chapter.name} (make hint CHAPTER={chapter.name})."
    return "Every other chapter is done too. Well done!"


def find_blank(chapter_name, tree, start=None):
    """(the blank to hint, None), or (None, what to say instead). With no
    chapter named: the first chapter not done, looking from chapter start on
    (make watch: the one saved), then from the first."""
    later = [c for c in CHAPTERS if start and c.number >= start.number]
    chapters = [find(chapter_name)] if chapter_name else later + [c for c in CHAPTERS if c not in later]
    for chapter in chapters:
        blank, failing = next_blank(chapter, tree)
        if blank:
            return blank, None
        if failing:  # a failure tied to no blank
            message = failing.get(0) or next(iter(failing.values()))
            return None, f"{chapter.name} is not right yet: {message}\nRun: make check CHAPTER={chapter.name}"
    if chapter_name:
        return None, f"{chapters[0].name} is done: nothing to hint. {next_not_done(chapters[0], tree)}"
    return None, "Every chapter is done: nothing to hint. Well done!"


def text(blank, level):
    """The text of one level of a blank's hint."""
    if level == LEVELS:
        return answer((blank.chapter.folder(SOLUTIONS) / "main.py").read_text(), blank.todo.number)
    hint = blank.chapter.hints[blank.todo.number]
    return f"{hint.what}\nSee {hint.link}" if level == 1 else hint.how


def load_state():
    """{blank key: the level last shown}; whatever is not a level (a file edited
    by hand, or not a file at all) counts as never shown."""
    with contextlib.suppress(OSError, ValueError):
        state = json.loads(SEEN.read_text())
        if isinstance(state, dict):
            return {key: level for key, level in state.items() if level in range(1, LEVELS + 1)}
    return {}


def save_state(state):
    """Keep the levels seen; False if .workshop/ cannot be written (the hint shows all the same)."""
    try:
        SEEN.parent.mkdir(exist_ok=True)
        SEEN.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    except OSError:
        return False
    return True


def remember(blank, level):
    state = load_state()
    state[blank.key] = level
    return save_state(state)


def forget(chapter):
    """Forget the hint levels shown for a chapter's blanks (make reset), so hints start at level 1 again."""
    state = load_state()
    kept = {key: level for key, level in state.items() if not key.startswith(f"{chapter.name}:")}
    if kept != state:
        save_state(kept)


def show(blank, level, more):
    """Print one level of the hint for a blank; `more` says how to see the next level."""
    todo = blank.todo
    print(f"Hint {level} of {LEVELS} for {shown(blank.source)}:{todo.line}, TODO {todo.number}: {todo.text}")
    if blank.failing:
        print(f"(It is filled in, but not right yet: {blank.failing})")
    print()
    body = text(blank, level)
    if level == LEVELS:
        replaced = "your lines for it" if blank.failing else "the line raise NotImplementedError(...)"
        print(f"The answer, in place of {replaced}:\n")
    print("\n".join(f"    {line}" if line else "" for line in body.splitlines()))
    print()
    if level < LEVELS:
        print(f"{more} for more (level {LEVELS} is the answer)")
    else:
        print(f"Type it in yourself, then run: make check CHAPTER={blank.chapter.name}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", help="hint for this chapter (default: the first one not done)")
    parser.add_argument("--level", help=f"show this level, 1 to {LEVELS}")
    parser.add_argument("--tree", default=str(EXERCISES), help="folder with the chapter folders (default: the repo)")
    parser.add_argument("--first", action="store_true", help="show level 1, counted as seen (for make watch)")
    parser.add_argument("--from", dest="start", help="with no chapter: look from this chapter on (for make watch)")
    args = parser.parse_args(argv)
    if every(args.chapter):  # CHAPTER=all, as for make check: the first chapter not done
        args.chapter = None
    if args.level is not None and args.level not in [str(n) for n in range(1, LEVELS + 1)]:
        wrong = f"There is no hint level {args.level!r}: LEVEL is 1 to {LEVELS} (e.g. make hint LEVEL=2)."
        print(wrong, file=sys.stderr)
        return 2
    sys.dont_write_bytecode = True  # never leave __pycache__ in the attendee's folders
    processes.on_stop()
    start = find(args.start) if args.start else None
    blank, instead = find_blank(args.chapter, Path(args.tree).resolve(), start)
    if blank is None:
        print(instead)
        return 0
    seen = load_state().get(blank.key, 0)
    if args.level:
        level = int(args.level)
    elif args.first:
        level = 1
    else:
        level = min(seen + 1, LEVELS)
    kept = remember(blank, level) if not args.first or not seen else True
    command = "make hint" + (f" CHAPTER={blank.chapter.name}" if args.chapter else "")
    if not kept and level < LEVELS:  # asking again would show this level again: name the next one
        command += f" LEVEL={level + 1}"
    show(blank, level, command if args.first or not kept else f"{command} again")
    if not kept:
        print(f"({shown(SEEN)} cannot be written, so the levels you have seen are not kept.)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C, or make watch stopping us, while the chapter's tests ran
        print("\nStopped.", file=sys.stderr)
        sys.exit(130)
