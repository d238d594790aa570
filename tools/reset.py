"""`make reset CHAPTER=Name`: put a chapter's exercise back to its blanks
(`CHAPTER=all`: every chapter, e.g. between two sessions of the workshop).

The attendee's version is first saved beside it as
<Chapter>/main.py.saved-<date>-<time>; an earlier save is never overwritten.
The blank version is the one in the last commit (git), so nothing but
main.py changes.
"""

import subprocess
import sys
from datetime import datetime

from tools.chapters import CHAPTERS, ROOT, find


def main(argv):
    if len(argv) != 1:
        raise SystemExit("usage: make reset CHAPTER=<Name>, e.g. make reset CHAPTER=Basics (or CHAPTER=all)")
    for chapter in CHAPTERS if argv[0] == "all" else [find(argv[0])]:
        reset(chapter)
    return 0


def reset(chapter):
    exercise = chapter.folder() / "main.py"
    relative = exercise.relative_to(ROOT).as_posix()
    blank = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=ROOT, capture_output=True, text=True)
    if blank.returncode != 0:
        raise SystemExit(f"error: cannot read the blank {relative} from git: {blank.stderr.strip()}")
    current = exercise.read_text() if exercise.exists() else None
    if current == blank.stdout:
        print(f"{relative} is already blank: nothing to do.")
        return
    if current is not None:
        stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
        saved, n = exercise.with_name(f"main.py.saved-{stamp}"), 1
        while saved.exists():
            n += 1
            saved = exercise.with_name(f"main.py.saved-{stamp}-{n}")
        saved.write_text(current)
        print(f"Saved your version as {saved.relative_to(ROOT)}")
    exercise.write_text(blank.stdout)
    print(f"{relative} is back to its blanks.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
