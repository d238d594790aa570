"""Where things are, and how a path is shown to the attendee."""

import contextlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
# What the tools keep between two commands (hint levels, passed checks) and
# the scratch folders of the commands running now (see tools.processes).
STATE = ROOT / ".workshop"


def shown(path):
    """A path as the attendee types it: relative to the folder they stand in
    (WORKSHOP_HERE, which a chapter folder's make sets, since it runs the
    repo's make in the repo's folder; else the current folder) when the path
    is inside that folder or the repo, else as it is."""
    here = Path(os.environ.get("WORKSHOP_HERE") or os.getcwd())
    candidates = [Path(os.path.abspath(path))]  # a link as it is, if possible; else where it leads
    with contextlib.suppress(OSError, RuntimeError):  # a link to itself (RuntimeError before Python 3.13)
        candidates.append(Path(path).resolve())
    for absolute in candidates:
        with contextlib.suppress(ValueError):
            return absolute.relative_to(here)
        with contextlib.suppress(ValueError):
            absolute.relative_to(ROOT), here.relative_to(ROOT)  # e.g. ../.luigid, seen from a chapter folder
            return Path(os.path.relpath(absolute, here))
    return Path(path)
