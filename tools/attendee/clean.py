"""`make clean`: remove what the workshop wrote, and nothing else.

That is, in each chapter folder of both trees (the exercises and solutions/):
the files the chapter's tasks write (the `writes` of each chapter's record),
luigi's leftover temporary files, the output folders once they are empty,
and __pycache__; the same outputs at the top of both trees, where a chapter
run from there by mistake (python Dependencies/main.py ...) writes them; and
the repo's own scratch folders, and those that stopped commands left behind
(tools.processes). A file of your own stays, wherever it is,
whatever git ignores, unless it has the very name of an output in a place
where the chapter writes that output: this works from the file names alone,
with or without git.

It keeps .venv* (the virtual environments), .luigid/ (a luigid may be running
from it) and .workshop/ (what `make hint` remembers).

    python -m tools.attendee.clean           # the whole repo
    python -m tools.attendee.clean FOLDER    # one chapter folder (make clean in a chapter folder)
"""

import os
import shutil
import sys
from pathlib import Path, PurePosixPath

from tools import processes
from tools.attendee.history import HISTORY_DB, HISTORY_FOLDER
from tools.chapters import CHAPTERS, EXERCISES, LUIGI_TMP
from tools.paths import ROOT, SOLUTIONS

# Folders at the top of the repo that only the workshop's commands write to.
SCRATCH = [".console", ".scale-out", ".pytest_cache", ".ruff_cache"]
# The repo's own code, whose bytecode Python caches in __pycache__.
CODE = ["tools", "tests", "bench"]


def chapter_leftovers(chapter, folder):
    """What the chapter's tasks (and Python, and luigi) left in folder, one of its chapter folders."""
    found = []
    for here, dirs, files in os.walk(folder):
        here = Path(here)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
        relative = here.relative_to(folder)
        found += [here / f for f in sorted(files) if chapter.generated(relative / f) or LUIGI_TMP.fullmatch(f)]
    if (folder / "__pycache__").is_dir():
        found.append(folder / "__pycache__")
    return found


FAILED = []  # what could not be removed, and why
SHOWN = 5  # of those, named one by one


def shown(path):
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def remove(path):
    """Remove a file or folder; returns how to show it (a folder with a trailing
    /), or None when it (or something in it) could not be removed."""
    before = len(FAILED)

    def failed(_function, name, error):  # e.g. written with sudo, by another user
        error = error if isinstance(error, BaseException) else error[1]  # onexc, or onerror's exc_info
        FAILED.append(f"{shown(Path(name))}: {error.strerror or error}")

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, **{"onexc" if sys.version_info >= (3, 12) else "onerror": failed})
        return shown(path) + "/" if len(FAILED) == before else None
    try:
        path.unlink()
    except OSError as error:
        failed(path.unlink, path, error)
        return None
    return shown(path)


def clean_chapter(chapter, folder):
    """Remove the chapter's leftovers from folder; returns what went. The
    database of a running `make history` stays: luigid writes to it."""
    removed = []
    for path in chapter_leftovers(chapter, folder):
        if path == HISTORY_DB and (owner := processes.claimed(HISTORY_FOLDER)):
            print(f"kept {shown(path)}: make history uses it (pid {owner})")
        else:
            removed.append(remove(path))
    for relative in chapter.output_folders():  # deepest first, so output/ goes after output/Chart/
        path = folder / relative
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            removed.append(remove(path))
    return [path for path in removed if path]


def clean_top(chapter, top):
    """Remove the chapter's outputs from top (the repo root, or solutions/),
    where its command, run from there, writes them; returns what went. Only
    the folders its outputs go in are looked at, and one goes only if it
    held outputs."""
    removed, emptied = [], set()
    for relative in [PurePosixPath("."), *chapter.output_folders()]:
        folder = top / relative
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_dir() and chapter.generated(relative / path.name, here=False) and (gone := remove(path)):
                removed.append(gone)
                emptied.update(PurePosixPath(path.relative_to(top).as_posix()).parents)
    for relative in chapter.output_folders():  # deepest first
        path = top / relative
        if relative in emptied and path.is_dir() and not any(path.iterdir()) and (gone := remove(path)):
            removed.append(gone)
    return removed


def clean_repo():
    """Remove the leftovers of every chapter folder in both trees and at the
    top of both, and the repo's scratch."""
    removed = []
    for tree in (EXERCISES, SOLUTIONS):
        for chapter in CHAPTERS:
            if chapter.folder(tree).is_dir():
                removed += clean_chapter(chapter, chapter.folder(tree))
    for top in (EXERCISES, SOLUTIONS):
        for chapter in CHAPTERS:
            removed += clean_top(chapter, top)
    caches = [path for code in CODE for path in sorted((ROOT / code).rglob("__pycache__"))]
    for path in [*(ROOT / name for name in SCRATCH), *caches]:
        if owner := processes.claimed(path):  # make scale-out runs there now
            print(f"kept {shown(path)}/: the command that uses it runs (pid {owner})")
        elif (path.exists() or path.is_symlink()) and (gone := remove(path)):
            removed.append(gone)
    removed += [shown(Path(folder)) + "/" for folder in processes.sweep(say=lambda _: None)]
    return removed


def which_chapter(folder):
    """The chapter whose folder (in either tree) folder is, or SystemExit."""
    for tree in (EXERCISES, SOLUTIONS):
        for chapter in CHAPTERS:
            if chapter.folder(tree).resolve() == folder:
                return chapter
    raise SystemExit(f"error: {folder} is not a chapter folder of this repo ({ROOT})")


def main(argv):
    if len(argv) > 1:
        raise SystemExit("usage: python -m tools.attendee.clean [CHAPTER_FOLDER]")
    if argv:
        folder = Path(argv[0]).resolve()
        removed = clean_chapter(which_chapter(folder), folder)
    else:
        removed = clean_repo()
    for shown in removed:
        print(f"removed {shown}")
    if FAILED:
        for failure in FAILED[:SHOWN]:
            print(f"could not remove {failure}", file=sys.stderr)
        if len(FAILED) > SHOWN:
            print(f"... and {len(FAILED) - SHOWN} more", file=sys.stderr)
        print(
            f"Removed {len(removed)} generated files and folders; {len(FAILED)} could not be removed. Files written\n"
            "by another user (e.g. a command run with sudo) can only be removed by that user: sudo make clean.",
            file=sys.stderr,
        )
        return 1
    counted = "1 generated file or folder" if len(removed) == 1 else f"{len(removed)} generated files and folders"
    print(f"Removed {counted}." if removed else "Nothing to remove.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
