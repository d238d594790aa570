"""`make run`: the instructor's main job. Runs every chapter's solution with
its documented command, in workshop order, with luigi's live output, each in
a copy of its folder under one scratch directory; a chapter that needs the
central scheduler gets a luigid of its own. Exits non-zero if any fails.
"""

import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

from tools import luigid
from tools.chapters import CHAPTERS, SOLUTIONS, command_env


@contextlib.contextmanager
def scheduler_for(chapter, scratch):
    """For a chapter that needs luigid: one of its own on a free port, and a
    luigi configuration file that sends the chapter's command to it."""
    if not chapter.needs_luigid:
        yield None
        return
    started = luigid.start(Path(scratch) / f"luigid-{chapter.name}", luigid.free_port())
    print(f"(luigid for this chapter: {started.url}, pid {started.pid})", flush=True)
    try:
        yield started.client_config(Path(scratch) / f"luigi-{chapter.name}.cfg")
    finally:
        started.stop()


def main():
    failed = []
    with tempfile.TemporaryDirectory(prefix="luigi-workshop-") as scratch:
        for chapter in CHAPTERS:
            folder = chapter.copy(SOLUTIONS, Path(scratch) / chapter.name)
            print(f"\n===== Chapter {chapter.number}: {chapter.name} =====", flush=True)
            with scheduler_for(chapter, scratch) as config:
                for command in filter(None, [chapter.command, chapter.then]):
                    print(f"$ {command}", flush=True)
                    code = subprocess.run(command, shell=True, cwd=folder, env=command_env(config=config)).returncode
                    if code != 0:
                        break
            if code != 0:
                failed.append(f"{chapter.name} (exit code {code})")
    print(f"\n===== {len(CHAPTERS) - len(failed)} of {len(CHAPTERS)} chapters ran successfully =====")
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
