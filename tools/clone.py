"""A copy of the repo as a fresh clone has it, for the tests and the benchmarks."""

import shutil
import subprocess
from pathlib import Path

from tools.chapters import CHAPTERS
from tools.paths import ROOT, SOLUTIONS


def copy_of_the_repo(destination, solved=False):
    """The files a fresh clone has (tracked, or new and not ignored: no venv, no
    outputs), solved or not."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    venvs = {config.parent.name for config in ROOT.glob("*/pyvenv.cfg")}  # a venv made by hand: no part of a clone
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, Path(destination) / name
        if name.split("/")[0] not in venvs and (source.is_symlink() or source.exists()):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    for chapter in CHAPTERS if solved else []:
        shutil.copy2(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(destination) / "main.py")
    return Path(destination)
