"""`make reset CHAPTER=Name`: put a chapter's exercise back to its blanks
(`CHAPTER=all`: every chapter, e.g. between two sessions of the workshop).

The attendee's version is first saved beside it, byte for byte, as
<Chapter>/main.py.saved-<date>-<time>; an earlier save is never overwritten.
The blank version is the exercise as published: its solution with the
answers taken out (tools/blanks.py), so it needs no git and does not depend
on what the attendee committed. Nothing but main.py changes, and `make hint`
forgets which hints it showed for the chapter (the next person starts at
level 1).
"""

import os
import sys
from datetime import datetime

from tools.attendee import hint
from tools.blanks import exercise_from
from tools.chapters import CHAPTERS, every, find
from tools.paths import ROOT, SOLUTIONS


def main(argv):
    argv = argv[1:] if argv[:1] == ["--"] else argv  # a chapter's name, whatever it starts with
    if len(argv) != 1:
        raise SystemExit("usage: make reset CHAPTER=<Name>, e.g. make reset CHAPTER=Basics (or CHAPTER=all)")
    failed = []
    for chapter in CHAPTERS if every(argv[0]) else [find(argv[0])]:
        try:
            reset(chapter)
        except SystemExit as error:  # say why, and go on with the other chapters
            print(error, file=sys.stderr)
            failed.append(chapter.name)
    return 1 if failed else 0


def published(chapter):
    """The chapter's exercise as published, as bytes: made from its solution."""
    solution = chapter.folder(SOLUTIONS) / "main.py"
    try:
        return exercise_from(solution.read_text(encoding="utf-8")).encode("utf-8")
    except OSError as error:
        raise SystemExit(f"error: cannot read the solution {solution.relative_to(ROOT)}: {error.strerror}") from None


def reset(chapter):
    exercise = chapter.folder() / "main.py"
    if not exercise.parent.is_dir():
        raise SystemExit(f"error: {chapter.gone}")
    relative = exercise.relative_to(ROOT).as_posix()
    if exercise.is_dir() and not exercise.is_symlink():
        raise SystemExit(f"error: {relative} is a folder, not a file: rename it, then run make reset again.")
    blank = published(chapter)
    try:
        current = exercise.read_bytes() if exercise.exists() else None
    except OSError as error:
        raise SystemExit(f"error: cannot read {relative}: {error.strerror}. Nothing was changed.") from None
    # Line endings aside: a checkout with CRLF line endings is still the published exercise.
    hint.forget(chapter)
    if current is not None and current.replace(b"\r\n", b"\n") == blank:
        print(f"{relative} is already blank: nothing to do.")
        return
    if current is not None:
        saved = save(current, exercise, relative).relative_to(ROOT).as_posix()
        print(f"Saved your version as {saved} (to get it back: cp {saved} {relative})")
    # A new file, renamed into place: never written through a link, or into a file that another
    # name shares (a hard link to the solution, say), and never left half-written.
    temporary = exercise.with_name(f".main.py.reset-{os.getpid()}")
    try:
        temporary.write_bytes(blank)
        os.replace(temporary, exercise)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        kept = "your version is saved beside it" if current is not None else "it was missing"
        raise SystemExit(f"error: cannot write {relative}: {error.strerror} ({kept}).") from None
    print(f"{relative} is back to its blanks.")


def save(current, exercise, relative):
    """Save the attendee's version beside the exercise, as a new file: an
    earlier save is never overwritten, and a save cut short is removed."""
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    saved, n = exercise.with_name(f"main.py.saved-{stamp}"), 1
    while True:
        try:
            file = open(saved, "xb")  # noqa: SIM115 (closed below: a full disk may fail only then)
        except FileExistsError:
            n += 1
            saved = exercise.with_name(f"main.py.saved-{stamp}-{n}")
            continue
        except OSError as error:
            raise SystemExit(
                f"error: cannot save your version of {relative} beside it: {error.strerror}. Nothing was changed."
            ) from None
        try:
            with file:
                file.write(current)
        except OSError as error:
            saved.unlink(missing_ok=True)
            raise SystemExit(
                f"error: cannot save your version of {relative} beside it: {error.strerror}. Nothing was changed."
            ) from None
        return saved


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
