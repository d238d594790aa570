"""make reset and make clean: the attendee's files are sacred.

reset saves the attendee's version before it puts the blanks back, and
writes nothing else; clean removes what the chapters and commands wrote
(the `writes` of each chapter's record: tests/chapters/ checks that each
chapter's command writes nothing else), never a file of the attendee's,
whatever its name, whatever git ignores, with or without git."""

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.attendee import reset
from tools.chapters import CHAPTERS, find
from tools.paths import ROOT, SOLUTIONS

GIT = "git -c user.name=attendee -c user.email=attendee@example.invalid"

# One file of each kind that the chapters write (their commands, run from their folder, or from the root by mistake).
OUTPUTS = [
    "CreateOutput/hello_world.txt",
    "CreateOutput/hello_world.txt-luigi-tmp-0123456789",  # a run killed while writing
    "Parameters/hello-Novi Sad-2026-11-27.txt",
    "Dependencies/plays.tsv",
    "Dependencies/top-rs.file",
    "WordCount/wordcount-2026-W45.tsv",
    "WordCount/wordcount-parallel-2026-11-02-2026-11-05.tsv",
    "WordCount/daycount-2026-11-02.tsv",
    "Visualization/dummy-outputs/work-3-7.txt",
    "Visualization/dummy-outputs/report.txt",
    "Extensions/output/Plays/country=rs,week=2026-W48.tsv",
    "Extensions/output/Chart/week=2026-W48.tsv",
    "Extensions/output/plays.db",
    "Production/nights/2026-11-02.tsv",
    "Production/archive/2026-11-02.txt",
    "Production/history.db",
    "Production/nightly.log",
    "solutions/Production/history.db",
    "solutions/Dependencies/top-hr.file",
    "solutions/Extensions/output/plays.db",
    "top-rs.file",  # python Dependencies/main.py ..., run from the repo root
    "solutions/hello_world.txt",
    "nights/2026-11-03.tsv",  # python Production/main.py ..., run from the repo root
    "Basics/__pycache__/main.cpython-311.pyc",
]
# Files of the attendee's own, named like outputs, or where ignore rules commonly match.
OWN = [
    "top-10.file",
    "output/mine.tsv",
    "notes/top-10.file",
    "myproject/plays.tsv",
    "myproject/output/plays.db",
    "Parameters/hello-notes.txt",
    "Dependencies/top-10.file",
    "Dependencies/plays.tsv.bak",
    "WordCount/wordcount-notes.tsv",
    "WordCount/run.log",
    "Basics/.env",
    "Visualization/dummy-outputs/notes.md",  # in an output folder: the folder stays too
    "solutions/Extensions/output/Chart/mine.tsv",
    ".vscode/settings.json",
    "Basics/main.py.saved-2026-11-27-101500",
    "Production/nights/notes.md",
    "Production/history.db.bak",
    "Production/data/nightly.log",
    "history.db",  # at the top of the repo: luigid and cron write these in Production/ only
    "nightly.log",
    "solutions/nightly.log",
]
KEPT = [".venv-keep/lib/output/x", ".luigid/luigid.log", ".workshop/hints.json"]  # the repo's own, left alone
SCRATCH = [".console/history", ".pytest_cache/README.md", ".ruff_cache/CACHEDIR.TAG", "tools/__pycache__/x.pyc"]


def files(folder):
    """Every file under folder (links too) but git's own, relative to it."""
    found = {p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file() or p.is_symlink()}
    return {name for name in found if not name.startswith(".git/")}


def plant(repo, names):
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("written\n")


def test_clean_removes_every_output_and_nothing_of_the_attendees(repo, sh, git_status, tmp_path):
    clone = files(repo)
    plant(repo, OUTPUTS)
    assert git_status(repo) == [], "git ignores every output of the chapters"
    plant(repo, OWN + KEPT + SCRATCH)
    excludes = tmp_path / "excludes"  # ignore rules that match the attendee's files, as on a developer's laptop
    excludes.write_text(".vscode/\n*.log\n.env\nnotes/\nmyproject/\n*.file\n*.bak\n*-notes.tsv\n*.md\n")
    result = sh(f"git -c core.excludesFile={excludes} status >/dev/null && make clean", repo)
    assert result.returncode == 0, result.stdout
    assert files(repo) == clone | set(OWN) | set(KEPT), "exactly what the workshop wrote is gone"
    assert not (repo / "Extensions" / "output").exists(), "an output folder goes once it is empty"
    assert (repo / "solutions/Extensions/output/Chart").is_dir(), "a folder with a file of the attendee's stays"
    removed = [line for line in result.stdout.splitlines() if line.startswith("removed ")]
    assert "removed Dependencies/top-rs.file" in removed and f"Removed {len(removed)} generated" in result.stdout
    assert sh("make clean", repo).stdout == "Nothing to remove.\n"


def test_every_output_name_and_no_other_is_a_chapters():
    """The records' patterns, on the names the chapters write and on names an attendee might use."""
    for name in OUTPUTS:
        chapter, _, relative = name.removeprefix("solutions/").partition("/")
        if chapter in {c.name for c in CHAPTERS} and "__pycache__" not in relative:
            assert find(chapter).generated(relative), name
    not_outputs = {
        "CreateOutput": ["hello_world.txt.bak", "sub/hello_world.txt", "hello_world.txt-luigi-tmp-x"],
        "Parameters": ["hello-notes.txt", "hello-2026-11-27.txt", "notes/hello-a-2026-11-27.txt"],
        "Dependencies": ["top-10.file", "plays.tsv.bak", "data/plays.tsv"],
        "WordCount": ["wordcount-notes.tsv", "daycount-monday.tsv", "data/2026-11-02.txt"],
        "Visualization": ["dummy-outputs/notes.md", "report.txt", "dummy-outputs/work-a-b.txt"],
        "Production": ["nights/notes.md", "history.db.bak", "archive/mine.txt", "data/nightly.log"],
        "Extensions": [
            "output/mine.tsv",
            "output/Chart/notes.tsv",
            "plays.db",
            "output/Plays/country=xx,week=2026-W48.tsv",
        ],
    }
    for name, paths in not_outputs.items():
        assert [p for p in paths if find(name).generated(p)] == [], name
    assert not any(chapter.generated(name) for chapter in CHAPTERS for name in ("main.py", "luigi.cfg", "README.md"))


def test_clean_works_without_git_and_in_another_repo(repo, sh, tmp_path):
    """A zip download inside another project's git repo: that repo's ignored files are not the workshop's."""
    outer = tmp_path / "outer"
    copy = outer / "luigi-workshop"
    copy.mkdir(parents=True)
    assert sh(f"git archive HEAD | tar -x -C '{copy}'", repo).returncode == 0
    (outer / ".gitignore").write_text("*.log\nbuild/\n")
    plant(outer, ["build/app.bin", "debug.log"])
    assert sh(f"git init -q && git add .gitignore && {GIT} commit -qm outer", outer).returncode == 0
    plant(
        copy,
        [".luigid/luigid.pid", "WordCount/run.log", "Dependencies/top-rs.file", "solutions/Dependencies/plays.tsv"],
    )
    result = sh("make clean", copy)
    assert result.returncode == 0 and "removed solutions/Dependencies/plays.tsv" in result.stdout, result.stdout
    assert (copy / "WordCount/run.log").exists() and (copy / ".luigid/luigid.pid").exists()
    assert (outer / "build/app.bin").exists() and (outer / "debug.log").exists()


def test_make_in_a_chapter_folder_is_the_repos_make_for_that_chapter(repo, sh):
    """In a folder whose name holds what a shell would read: check, hint and reset
    take that chapter, clean removes its outputs there, the rest is the repo's make."""
    odd = repo.parent / "My Projects" / 'it\'s "the" $HOME `id`'
    odd.parent.mkdir()
    repo.rename(odd)
    folder = find("Dependencies").folder(odd)
    checked = sh("make check", folder)
    assert [line.split()[:2] for line in checked.stdout.splitlines() if line[:3].strip().isdigit()] == [
        ["4", "Dependencies"]
    ]
    assert "Fill in main.py, then run: make check CHAPTER=Dependencies" in checked.stdout
    assert [line for line in checked.stdout.splitlines() if line.startswith("make")] == [
        "make: *** [Makefile:5: check] Error 2"
    ], "one line of make's own, naming this folder's Makefile"
    assert sh("make hint", folder).stdout.startswith("Hint 1 of 3 for main.py:")
    refused = sh("make reset", find("Dependencies").folder(odd / "solutions"))
    assert refused.returncode == 2 and refused.stdout.startswith("This is the solution of Dependencies."), (
        refused.stdout
    )
    plant(odd, ["Dependencies/plays.tsv", "Dependencies/notes.txt", "WordCount/plays.tsv"])
    assert sh("make clean", folder).returncode == 0 and not (folder / "plays.tsv").exists()
    assert (folder / "notes.txt").exists() and (odd / "WordCount" / "plays.tsv").exists()
    helped = sh("make", folder).stdout.splitlines()
    assert (
        helped[0]
        == "In Dependencies/, make check, hint, reset and clean are for this chapter; the rest as in the repo root."
    )


def test_what_clean_cannot_remove_is_named_and_the_rest_goes(repo, sh, immutable):
    """After sudo make run, the outputs are root's: five named, the rest counted, and what to run."""
    outputs = repo / "Visualization" / "dummy-outputs"
    outputs.mkdir()
    for part in range(8):
        (outputs / f"work-0-{part}.txt").write_text("done\n")
        immutable(outputs / f"work-0-{part}.txt")
    (repo / "CreateOutput" / "hello_world.txt").write_text("Hello World\n")
    result = sh("make clean", repo)
    assert result.returncode != 0 and "Traceback" not in result.stdout
    assert len([line for line in result.stdout.splitlines() if line.startswith("could not remove ")]) == 5
    assert "... and 3 more" in result.stdout and "8 could not be removed" in result.stdout, result.stdout
    assert "sudo make clean" in result.stdout and not (repo / "CreateOutput" / "hello_world.txt").exists()


def test_clean_of_a_folder_that_is_no_chapter_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tools.attendee.clean", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode != 0 and "is not a chapter folder of this repo" in done.stderr


# make reset ---------------------------------------------------------------------------------


def test_reset_saves_the_attendees_version_every_time_and_says_how_to_get_it_back(repo, sh):
    main = repo / "Basics" / "main.py"
    blank = main.read_text()
    for attempt in ["first try\n", "second try\n"]:
        main.write_text(attempt)
        result = sh("make reset CHAPTER=Basics", repo)
        assert result.returncode == 0 and main.read_text() == blank, result.stdout
    saved = sorted(main.parent.glob("main.py.saved-*"))
    assert sorted(p.read_text() for p in saved) == ["first try\n", "second try\n"]
    assert all(re.fullmatch(r"main\.py\.saved-\d{4}-\d\d-\d\d-\d{6}(-\d+)?", p.name) for p in saved)
    assert f"(to get it back: cp Basics/{saved[-1].name} Basics/main.py)" in result.stdout, result.stdout
    assert "already blank" in sh("make reset CHAPTER=Basics", repo).stdout


def test_reset_brings_back_the_published_blanks_whatever_was_committed_and_without_git(repo, sh):
    blanks = {c.name: (c.folder(repo) / "main.py").read_bytes() for c in CHAPTERS}
    shutil.copy(SOLUTIONS / "Basics" / "main.py", repo / "Basics" / "main.py")
    assert sh(f"git add -A && {GIT} commit -qm 'my answers'", repo).returncode == 0
    shutil.rmtree(repo / ".git")
    (repo / "Parameters" / "main.py").unlink()  # deleted by mistake
    crlf = repo / "CreateOutput" / "main.py"
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))  # as a checkout with core.autocrlf writes it
    result = sh("make reset CHAPTER=all", repo)
    after = {c.name: (c.folder(repo) / "main.py").read_bytes().replace(b"\r\n", b"\n") for c in CHAPTERS}
    assert result.returncode == 0 and after == blanks, "a CRLF copy of the exercise is as blank as the exercise"
    assert result.stdout.count("already blank: nothing to do") == len(CHAPTERS) - 2, result.stdout
    [saved] = repo.glob("*/main.py.saved-*")
    assert saved.read_bytes() == (SOLUTIONS / "Basics" / "main.py").read_bytes()


def test_reset_never_writes_through_a_link(repo, sh, tmp_path):
    mine = tmp_path / "elsewhere" / "mywork.py"
    mine.parent.mkdir()
    mine.write_text("my work, outside the repo\n")
    main = repo / "Basics" / "main.py"
    blank = main.read_text()
    main.unlink()
    main.symlink_to(mine)
    assert sh("make reset CHAPTER=Basics", repo).returncode == 0
    assert mine.read_text() == "my work, outside the repo\n" and not main.is_symlink() and main.read_text() == blank


def test_reset_never_writes_into_a_file_that_another_name_shares(repo, sh):
    """A hard link from the exercise to the solution: the solution stays the solution."""
    main, solution = repo / "Basics" / "main.py", repo / "solutions" / "Basics" / "main.py"
    blank, solved = main.read_text(), solution.read_text()
    main.unlink()
    os.link(solution, main)
    assert sh("make reset CHAPTER=Basics", repo).returncode == 0
    assert solution.read_text() == solved and main.read_text() == blank


def test_a_chapter_folders_make_without_a_temporary_folder_fails_in_a_sentence(repo, sh):
    done = sh("make check", repo / "Basics", TMPDIR=str(repo / "no such folder"))
    assert done.returncode != 0 and "error: cannot create a temporary file (TMPDIR=" in done.stdout, done.stdout


@pytest.mark.parametrize("what", ["the folder", "main.py"])
def test_reset_that_cannot_write_says_so_and_loses_nothing(repo, sh, immutable, what):
    main = repo / "Basics" / "main.py"
    mine = main.read_text().replace("# TODO 1", "print('mine')  # TODO 1")
    main.write_text(mine)
    immutable(main.parent if what == "the folder" else main)
    result = sh("make reset CHAPTER=Basics", repo)
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout
    if what == "the folder":  # no new file in it: the save fails, and nothing changes
        assert (
            "cannot save your version of Basics/main.py beside it: Operation not permitted. Nothing was changed."
            in result.stdout
        )
        assert not list(main.parent.glob("main.py.saved-*"))
    else:
        assert (
            "error: cannot write Basics/main.py: Operation not permitted (your version is saved beside it)."
            in result.stdout
        )
        [saved] = main.parent.glob("main.py.saved-*")
        assert saved.read_text() == mine
    assert main.read_text() == mine


def test_a_save_that_a_full_disk_cuts_short_is_removed(tmp_path):
    """On a full disk the save fails only when the file is closed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        message = f"mounting a small tmpfs needs root: {mounted.stderr.decode().strip()}"
        pytest.fail(f"on CI, {message}") if os.environ.get("CI") else pytest.skip(message)
    try:
        main = disk / "main.py"
        main.write_text("print('mine')\n")
        with contextlib.suppress(OSError), open(disk / "filler", "wb") as filler:
            while True:
                filler.write(b"x" * 4096)
                filler.flush()
        with pytest.raises(SystemExit, match="No space left on device. Nothing was changed."):
            reset.save(b"x" * 4000, main, "Basics/main.py")
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "main.py"], "no save is left behind"
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("", "usage: make reset CHAPTER=<Name>"),
        ("CHAPTER=Nope", "there is no chapter 'Nope'"),
        ("CHAPTER='Basics Parameters'", "there is no chapter 'Basics Parameters'"),
        ("CHAPTER=--help", "there is no chapter '--help'"),
    ],
)
def test_reset_without_a_known_chapter_is_a_clear_error(repo, sh, args, message):
    result = sh(f"make reset {args}", repo)
    assert result.returncode != 0 and message in result.stdout and "Traceback" not in result.stdout, result.stdout
