"""`make clean` (tools/clean.py) removes what the workshop wrote and nothing
else: not the attendee's own files, whatever their names and wherever they
are, whatever git ignores, with or without git, and never anything outside
the repo. Each test runs in fresh copies of the repo with this run's venv."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import luigid
from tools.chapters import CHAPTERS, command_env, find, fresh_repo

GIT = "git -c user.name=attendee -c user.email=attendee@example.invalid"

# Files of the attendee's own, named like outputs, or in folders that git
# ignore rules on a developer's laptop commonly match.
OWN = [
    "top-10.file",
    "output/mine.tsv",  # in an output folder at the root: the folder stays too
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
    ".idea/workspace.xml",
    "Basics/main.py.saved-2026-11-27-101500",
]
# The repo's own places that clean leaves alone.
KEPT = [".venv-keep/lib/output/x", ".venv-keep/lib/__pycache__/x.pyc", ".luigid/luigid.log", ".workshop/hints.json"]
# Scratch that clean removes.
SCRATCH = [
    ".console/history",
    ".scale-out/state",
    ".pytest_cache/README.md",
    ".ruff_cache/CACHEDIR.TAG",
    "tools/__pycache__/chapters.cpython-311.pyc",
    "tests/__pycache__/conftest.cpython-311.pyc",
    "Basics/__pycache__/main.cpython-311.pyc",
    "solutions/WordCount/__pycache__/main.cpython-311.pyc",
]
# Commands beyond the documented ones, so that every kind of output is written.
MORE = {
    "Parameters": ["python main.py Hello --local-scheduler --name 'Novi Sad' --date 2026-11-27 --times 2"],
    "Dependencies": [f"python main.py TopSongs --tld {tld} --local-scheduler" for tld in ["ba", "hr", "me", "si"]],
    "WordCount": [
        "python main.py ParallelWordCount --date-interval 2026-11-02-2026-11-05 --local-scheduler",
        "python main.py WordCount --date-interval 2026-11-03 --local-scheduler",
    ],
    "Extensions": ["python main.py Chart --week 2026-W49 --local-scheduler --workers 2"],
}
# A run killed while luigi writes a file leaves luigi's temporary file behind.
KILLED = (
    'python -c \'import os, luigi; f = luigi.LocalTarget("{path}").open("w"); f.write("half"); f.flush(); os._exit(1)\''
)
KILLED_AT = {"CreateOutput": "hello_world.txt", "Visualization": "dummy-outputs/report.txt"}


def sh(command, cwd, tmp_path, config=None, **extra_env):
    env = command_env(tmp_path / "tmp", config) | extra_env
    return subprocess.run(
        command, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300
    )


def files(folder):
    """Every file under folder (links too) but git's own, relative to folder."""
    found = {p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file() or p.is_symlink()}
    return {name for name in found if not name.startswith(".git/")}


def plant(repo, names):
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("the attendee's\n")


def write_every_output(repo, tmp_path):
    """Run each chapter's documented command (and a few more) in the attendee's
    tree; copy what they wrote to solutions/, where the instructor's runs write
    the very same files. Return the files written in both trees."""
    before = files(repo)
    for chapter in CHAPTERS:
        folder = chapter.folder(repo)
        with luigid.of_its_own(chapter, tmp_path) as config:
            for command in [chapter.command, *MORE.get(chapter.name, [])]:
                result = sh(command, folder, tmp_path, config)
                assert result.returncode == 0, f"{folder}: {command}\n{result.stdout}"
        if chapter.name in KILLED_AT:
            sh(KILLED.format(path=KILLED_AT[chapter.name]), folder, tmp_path)
    in_chapters = files(repo) - before
    for name in in_chapters:
        copy = repo / "solutions" / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, copy, follow_symlinks=False)
    # A chapter run from the repo root by mistake writes its outputs there.
    result = sh("python Dependencies/main.py TopSongs --tld rs --local-scheduler", repo, tmp_path)
    assert result.returncode == 0 and (repo / "top-rs.file").exists(), result.stdout
    for name in in_chapters:  # and so do the others, the very same files; and so they do at the top of solutions/
        for copy in (repo / name.split("/", 1)[1], repo / "solutions" / name.split("/", 1)[1]):
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo / name, copy, follow_symlinks=False)
    written = files(repo) - before
    assert any(name.startswith("solutions/") for name in written) and any("-luigi-tmp-" in name for name in written)
    assert {"plays.tsv", "output/plays.db", "dummy-outputs/report.txt", "solutions/top-rs.file"} <= written
    return written


@pytest.fixture
def repo(tmp_path):
    """A fresh clone with every blank filled in, committed to git."""
    path = fresh_repo(tmp_path / "repo")
    assert sh(f"git init -q && git add -A && {GIT} commit -qm clone", path, tmp_path).returncode == 0
    return path


def ignore_everything_like_a_laptop(repo, tmp_path):
    """Ignore rules that match the attendee's files: a global excludes file
    (through a gitconfig of this test's own, never the real one) and
    .git/info/exclude. Returns the environment that makes git use them."""
    excludes = tmp_path / "global-excludes"
    excludes.write_text(".vscode/\n.idea/\n*.log\n.env\nnotes/\n")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f"[core]\n\texcludesFile = {excludes}\n")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("myproject/\nhello-notes.txt\n*.file\n*.bak\n*-notes.tsv\n*.md\n")
    env = {"GIT_CONFIG_GLOBAL": str(gitconfig)}
    own = OWN[:-1]  # all but the saved main.py, which is simply untracked
    ignored = sh("git check-ignore " + " ".join(own), repo, tmp_path, **env).stdout.split()
    assert ignored == own, "the ignore rules should match every file of the attendee's"
    return env


def test_clean_removes_every_output_and_nothing_of_the_attendees(repo, tmp_path):
    clone = files(repo)
    written = write_every_output(repo, tmp_path)
    listed = sh("git status --porcelain --untracked-files=all", repo, tmp_path).stdout
    assert listed == "", f"git should ignore every output of the chapters:\n{listed}"
    plant(repo, OWN + KEPT + SCRATCH)
    env = ignore_everything_like_a_laptop(repo, tmp_path)

    result = sh("make clean", repo, tmp_path, **env)

    assert result.returncode == 0, result.stdout
    assert files(repo) == clone | set(OWN) | set(KEPT), "exactly what the workshop wrote is gone"
    assert not any((repo / name).exists() for name in [".console", ".scale-out", "tools/__pycache__"])
    assert not (repo / "Extensions" / "output").exists(), "an output folder goes once it is empty"
    assert (repo / "solutions/Extensions/output/Chart").is_dir(), "a folder with a file of the attendee's stays"
    for name in sorted(written)[:5]:
        assert f"removed {name}\n" in result.stdout
    removed = [line for line in result.stdout.splitlines() if line.startswith("removed ")]
    assert f"Removed {len(removed)} generated files and folders." in result.stdout
    (repo / "Basics" / "__pycache__").mkdir()
    assert sh("make clean", repo, tmp_path).stdout.endswith("Removed 1 generated file or folder.\n")
    assert len(removed) >= len(written) + len(SCRATCH)
    assert sh("make clean", repo, tmp_path).stdout == "Nothing to remove.\n"


def test_the_chapter_table_names_each_output_precisely():
    """The patterns of tools/chapters.py, on names an attendee might use too."""
    outputs = {
        "CreateOutput": ["hello_world.txt"],
        "Parameters": ["hello-Belgrade-2026-11-27.txt", "hello-Novi Sad-2026-01-02.txt"],
        "Dependencies": ["plays.tsv", "top-rs.file", "top-ba.file"],
        "WordCount": [
            "wordcount-2026-W45.tsv",
            "wordcount-parallel-2026-11-02-2026-11-05.tsv",
            "daycount-2026-11-02.tsv",
        ],
        "Visualization": ["dummy-outputs/work-3-7.txt", "dummy-outputs/merge-0.txt", "dummy-outputs/report.txt"],
        "Extensions": [
            "output/Plays/country=rs,week=2026-W48.tsv",
            "output/Chart/week=2026-W48.tsv",
            "output/plays.db",
            "output/plays.db-journal",
            "output/Chart/week=2026-W48.tsv-luigi-tmp-0123456789",
        ],
    }
    not_outputs = {
        "CreateOutput": ["hello_world.txt.bak", "sub/hello_world.txt", "hello_world.txt-luigi-tmp-x"],
        "Parameters": ["hello-notes.txt", "hello-2026-11-27.txt", "notes/hello-a-2026-11-27.txt"],
        "Dependencies": ["top-10.file", "plays.tsv.bak", "data/plays.tsv"],
        "WordCount": ["wordcount-notes.tsv", "daycount-monday.tsv", "data/2026-11-02.txt", "run.log"],
        "Visualization": ["dummy-outputs/notes.md", "report.txt", "dummy-outputs/work-a-b.txt"],
        "Extensions": [
            "output/mine.tsv",
            "output/Chart/notes.tsv",
            "plays.db",
            "output/Plays/country=xx,week=2026-W48.tsv",
        ],
    }
    for name, paths in outputs.items():
        assert [p for p in paths if not find(name).generated(p)] == [], name
    for name, paths in not_outputs.items():
        assert [p for p in paths if find(name).generated(p)] == [], name
    assert all(not chapter.generated("main.py") and not chapter.generated("luigi.cfg") for chapter in CHAPTERS)


def test_a_copy_of_a_chapter_leaves_the_outputs_behind_and_keeps_the_rest(tmp_path):
    chapter = find("Extensions")
    tree = tmp_path / "tree"
    source = chapter.copy(fresh_repo(tmp_path / "repo"), tree / chapter.name)
    published = files(source)
    plant(source, ["output/Chart/week=2026-W48.tsv", "output/plays.db", "output/Plays/x.tsv", "notes-luigi-tmp-1"])
    plant(source, ["output/Chart/week=2026-W48.tsv-luigi-tmp-123456789", "__pycache__/main.cpython-311.pyc"])
    copied = chapter.copy(tree, tmp_path / "copy")
    assert {"main.py", "luigi.cfg"} <= published
    assert files(copied) == published | {"output/Plays/x.tsv", "notes-luigi-tmp-1"}
    assert not (copied / "output" / "Chart").exists(), "an output folder left empty is not copied"


def git_archive(repo, destination, tmp_path):
    """The repo as a zip download has it: its committed files, no .git."""
    destination.mkdir(parents=True)
    assert sh(f"git archive HEAD | tar -x -C '{destination}'", repo, tmp_path).returncode == 0
    assert not (destination / ".git").exists()
    return destination


@pytest.mark.parametrize("inside_another_repo", [False, True], ids=["alone", "inside-another-git-repo"])
def test_clean_works_in_a_copy_without_git(repo, tmp_path, inside_another_repo):
    outer = tmp_path / "outer"
    copy = git_archive(repo, outer / "luigi-workshop", tmp_path)
    if inside_another_repo:  # the outer repo's ignored files must not be touched
        (outer / ".gitignore").write_text("*.log\nbuild/\n")
        plant(outer, ["build/app.bin", "debug.log"])
        assert sh(f"git init -q && git add .gitignore && {GIT} commit -qm outer", outer, tmp_path).returncode == 0
    plant(copy, [".venv/bin/python", ".luigid/luigid.pid", "WordCount/run.log", "myproject/plays.tsv"])
    chapter = find("Dependencies")
    for folder in [chapter.folder(copy), chapter.folder(copy / "solutions")]:
        assert sh(chapter.command, folder, tmp_path).returncode == 0
        assert (folder / "top-rs.file").exists()

    result = sh("make clean", copy, tmp_path)

    assert result.returncode == 0, result.stdout
    assert "removed Dependencies/top-rs.file" in result.stdout
    assert "removed solutions/Dependencies/plays.tsv" in result.stdout
    assert files(copy) == files(git_archive(repo, tmp_path / "again", tmp_path)) | {
        ".venv/bin/python",
        ".luigid/luigid.pid",
        "WordCount/run.log",
        "myproject/plays.tsv",
    }
    if inside_another_repo:
        assert (outer / "build/app.bin").exists() and (outer / "debug.log").exists()


def test_chapter_6_clean_removes_only_its_own_outputs_even_without_git(repo, tmp_path):
    copy = git_archive(repo, tmp_path / "copy", tmp_path)
    chapter = find("Visualization")
    outputs = ["dummy-outputs/report.txt", "dummy-outputs/work-0-1.txt"]
    for tree in [copy, copy / "solutions"]:
        plant(chapter.folder(tree), [*outputs, "dummy-outputs/notes.md"])
    plant(copy, ["Dependencies/plays.tsv"])  # another chapter's output: not this make file's business

    result = sh("make clean", chapter.folder(copy), tmp_path)

    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[:2] == [f"removed Visualization/{name}" for name in outputs]
    assert files(chapter.folder(copy) / "dummy-outputs") == {"notes.md"}
    assert files(chapter.folder(copy / "solutions")) >= set(outputs), "the other tree is not this make file's business"
    assert (copy / "Dependencies/plays.tsv").exists()
    (chapter.folder(copy / "solutions") / "dummy-outputs" / "notes.md").unlink()
    assert sh("make clean", chapter.folder(copy / "solutions"), tmp_path).returncode == 0
    assert not (chapter.folder(copy / "solutions") / "dummy-outputs").exists()


def test_chapter_6_hands_luigid_over_to_the_repo_without_git(repo, tmp_path):
    copy = git_archive(repo, tmp_path / "copy", tmp_path)
    port = luigid.free_port()
    started = sh(f"make luigid PORT={port}", copy / "solutions" / "Visualization", tmp_path)
    try:
        assert started.returncode == 0, started.stdout
        assert luigid.running(copy / ".luigid").port == port
        assert "Its log, state and pid file are in ../../.luigid/." in started.stdout, "the repo's, seen from here"
    finally:
        stopped = sh("make luigid-stop", copy / "Visualization", tmp_path)
    assert "Stopped luigid" in stopped.stdout, stopped.stdout
    assert luigid.running(copy / ".luigid") is None
    checked = sh("make check", copy / "Visualization", tmp_path)  # and make check, for this chapter
    assert checked.stdout.splitlines()[2].split()[:2] == ["6", "Visualization"], checked.stdout
    assert "1 of 1 chapter done." in checked.stdout and "make[" not in checked.stdout, checked.stdout  # solved


def test_make_in_any_chapter_folder_is_the_repos_make_for_that_chapter(tmp_path):
    """Each "Run it" block runs in the chapter folder, so that is where make
    check gets typed: there, check, hint and reset take that chapter, clean
    removes its outputs there, and the rest is the repo's make. The repo as
    published, without git (a zip download), in a folder whose name holds
    what a shell would read: a space, quotes, a $ and a backquote."""
    copy = fresh_repo(tmp_path / "My Projects" / 'it\'s "the" $HOME `id`', solved=False)
    for chapter in CHAPTERS:
        checked = sh("make check", chapter.folder(copy), tmp_path)
        rows = [line.split()[:2] for line in checked.stdout.splitlines() if line[:3].strip().isdigit()]
        assert rows == [[str(chapter.number), chapter.name]], checked.stdout
        assert "0 of 1 chapter done." in checked.stdout, checked.stdout  # the exercise, with its blanks
        # In solutions/, check, hint and reset would act on the attendee's exercise: they say so instead.
        refused = sh("make reset", chapter.folder(copy / "solutions"), tmp_path)
        assert refused.returncode == 2 and refused.stdout.startswith(f"This is the solution of {chapter.name}. make"), (
            refused.stdout
        )
    named = sh("make check CHAPTER=Basics", find("Visualization").folder(copy / "solutions"), tmp_path)
    assert "  1  Basics         not yet" in named.stdout, "named on the command line, in solutions/ too"
    folder = find("Dependencies").folder(copy)
    hint = sh("make hint", folder, tmp_path)  # paths from where the attendee stands
    assert hint.stdout.startswith("Hint 1 of 3 for main.py:"), hint.stdout
    checked = sh("make check", folder, tmp_path).stdout
    assert "next: main.py:" in checked and "Fill in main.py, then run: make check CHAPTER=Dependencies" in checked
    other = sh("make check CHAPTER=Basics", folder, tmp_path)
    assert [line.split()[:2] for line in other.stdout.splitlines() if line.startswith("  1 ")] == [["1", "Basics"]]
    main = folder / "main.py"
    blank = main.read_text()
    main.write_text("my attempt\n")
    (copy / "Basics" / "main.py").write_text("my other attempt\n")
    assert sh("make reset", folder, tmp_path, CHAPTER="Basics").returncode == 0, "a CHAPTER exported in the shell"
    assert main.read_text() == blank and (copy / "Basics" / "main.py").read_text() == "my other attempt\n"
    plant(copy, ["Dependencies/plays.tsv", "Dependencies/top-rs.file", "Dependencies/notes.txt", "WordCount/plays.tsv"])
    cleaned = sh("make clean", folder, tmp_path)
    assert cleaned.returncode == 0, cleaned.stdout
    assert not (folder / "plays.tsv").exists() and not (folder / "top-rs.file").exists()
    assert (folder / "notes.txt").exists() and (copy / "WordCount" / "plays.tsv").exists()
    linked = tmp_path / "linked"  # the chapter folder reached through a link: the repo is where the folder is
    linked.symlink_to(folder)
    (folder / "plays.tsv").write_text("an output\n")
    assert sh("make clean", linked, tmp_path).returncode == 0 and not (folder / "plays.tsv").exists()
    helped = sh("make", folder, tmp_path).stdout.splitlines()
    here = "In Dependencies/, make check, hint, reset and clean are for this chapter; the rest as in the repo root."
    assert helped[:2] == [here, "Batch data processing with luigi. Commands:"], helped


def test_clean_names_a_folder_that_is_not_a_chapter(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tools.clean", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode != 0 and "is not a chapter folder of this repo" in result.stderr


def test_what_clean_cannot_remove_is_named_and_the_rest_goes(repo, sh, immutable):
    folder = repo / "CreateOutput"
    stuck, leftover = folder / "hello_world.txt", folder / "hello_world.txt-luigi-tmp-1234567890"
    stuck.write_text("Hello World\n")
    leftover.write_text("Hello")
    immutable(stuck)
    result = sh("make clean", repo)
    assert result.returncode != 0
    assert "could not remove CreateOutput/hello_world.txt: Operation not permitted" in result.stdout, result.stdout
    assert "1 could not be removed" in result.stdout and "Traceback" not in result.stdout, result.stdout
    assert stuck.exists() and not leftover.exists(), "the rest is removed all the same"


def test_many_files_that_clean_cannot_remove_are_not_a_wall_of_lines(repo, sh, immutable):
    """After sudo make run, every output is root's: five named, the rest counted, and what to run."""
    outputs = repo / "Visualization" / "dummy-outputs"
    outputs.mkdir()
    for part in range(8):
        (outputs / f"work-0-{part}.txt").write_text("done\n")
        immutable(outputs / f"work-0-{part}.txt")
    result = sh("make clean", repo)
    assert result.returncode != 0
    assert len([line for line in result.stdout.splitlines() if line.startswith("could not remove ")]) == 5
    assert "... and 3 more" in result.stdout and "8 could not be removed" in result.stdout, result.stdout
    assert "can only be removed by that user: sudo make clean." in result.stdout, result.stdout


def test_what_clean_cannot_remove_in_a_scratch_folder_is_named_by_its_path(repo, sh, immutable):
    stuck = repo / ".console" / "sub" / "notes.txt"
    stuck.parent.mkdir(parents=True)
    stuck.write_text("tried in make console\n")
    immutable(stuck)
    result = sh("make clean", repo)
    assert result.returncode != 0
    assert "could not remove .console/sub/notes.txt: Operation not permitted" in result.stdout, result.stdout
