"""`make run`: the instructor's main job. Runs every chapter's solution with
its documented command, in workshop order, with luigi's live output, each in
a copy of its folder under one scratch directory. Exits non-zero if any fails.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from tools.chapters import CHAPTERS, SOLUTIONS, command_env


def main():
    failed = []
    with tempfile.TemporaryDirectory(prefix="luigi-workshop-") as scratch:
        for chapter in CHAPTERS:
            folder = chapter.copy(SOLUTIONS, Path(scratch) / chapter.name)
            print(f"\n===== Chapter {chapter.number}: {chapter.name} =====", flush=True)
            for command in filter(None, [chapter.command, chapter.then]):
                print(f"$ {command}", flush=True)
                code = subprocess.run(command, shell=True, cwd=folder, env=command_env()).returncode
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
