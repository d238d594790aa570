"""The chapters of the workshop, in order: the one table that the checker,
`make run`, `make reset` and the tests read, and how to run a chapter's
documented command the way an attendee does."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT
SOLUTIONS = ROOT / "solutions"

# Pieces of the names that the chapters' tasks write (regular expressions).
DATE = r"\d{4}-\d{2}-\d{2}"  # a luigi.DateParameter: 2026-11-02
WEEK = r"\d{4}-W\d{2}"  # an ISO week: 2026-W48
# A luigi.DateIntervalParameter as luigi writes it: a day, 2026-W45, 2026-11,
# 2026, or two days (2026-11-02-2026-11-05).
INTERVAL = rf"(?:{DATE}(?:-{DATE})?|{WEEK}|\d{{4}}-\d{{2}}|\d{{4}})"
TLD = r"(?:ba|hr|me|rs|si)"  # the countries of chapters 4 and 7
# luigi's LocalTarget writes to <path>-luigi-tmp-<9 or 10 digits> first and
# renames it when done; a run that is killed leaves that file behind.
LUIGI_TMP = re.compile(r".+-luigi-tmp-\d{9,10}")


@dataclass(frozen=True)
class Chapter:
    number: int
    name: str
    # The command the README documents, run from inside the chapter folder.
    command: str
    # What `make run` shows afterwards, e.g. the file the chapter wrote.
    then: str = ""
    # The command talks to luigi's central scheduler, luigid (see tools/luigid.py).
    needs_luigid: bool = False
    # luigi settings with which the tests run the documented command quickly,
    # unchanged (luigi reads them from LUIGI_CONFIG_PATH, after ./luigi.cfg).
    quick: str = ""
    # Every file the chapter's tasks write, relative to the chapter folder: a
    # folder, then a regular expression for the file name (hello_world.txt,
    # dummy-outputs/work-\d+-\d+\.txt). The one list of what the workshop
    # writes: `make clean` removes exactly these, and copies leave them behind.
    writes: tuple = ()

    def folder(self, tree=EXERCISES):
        """The chapter folder in a tree: the repo root (exercises) or solutions/."""
        return Path(tree) / self.name

    @property
    def gone(self):
        """What to say when the chapter's folder is gone (make check, hint and reset)."""
        return (
            f"The folder {self.name}/ is missing: `git checkout -- {self.name}` (or a fresh download) brings it back."
        )

    @property
    def tests(self):
        return ROOT / "tests" / f"test_{self.number}_{self.name.lower()}.py"

    def generated(self, relative):
        """Whether a path relative to the chapter folder is a file that the
        chapter's tasks write, or luigi's temporary file of one."""
        path = PurePosixPath(relative)
        name = path.name.split("-luigi-tmp-")[0] if LUIGI_TMP.fullmatch(path.name) else path.name
        for pattern in self.writes:
            folder, _, regex = pattern.rpartition("/")
            if str(path.parent) == (folder or ".") and re.fullmatch(regex, name):
                return True
        return False

    def output_folders(self):
        """The folders the outputs go in, relative to the chapter folder, deepest first."""
        folders = set()
        for pattern in self.writes:
            folder = PurePosixPath(pattern.rpartition("/")[0])
            folders.update(p for p in [folder, *folder.parents] if str(p) != ".")
        return sorted(folders, key=lambda p: (-len(p.parts), str(p)))

    def copy(self, tree, destination):
        """Copy the chapter folder to destination, leaving generated outputs
        behind (so that a copy never starts out "complete")."""
        source = self.folder(tree)

        def left_behind(folder, names):
            here = Path(folder).relative_to(source)
            linked_folder = [n for n in names if (Path(folder) / n).is_symlink() and (Path(folder) / n).is_dir()]
            generated = [n for n in names if n == "__pycache__" or self.generated(here / n) or LUIGI_TMP.fullmatch(n)]
            # Neither file nor folder: a link to nothing (such as Emacs's lock file .#main.py), a named pipe.
            odd = [n for n in names if not (Path(folder) / n).is_file() and not (Path(folder) / n).is_dir()]
            # A link to a folder is left out: a link to .. would copy the repo into itself, again and again.
            return generated + linked_folder + odd

        shutil.copytree(source, destination, ignore=left_behind)
        for folder in self.output_folders():  # copied, but holding no output now
            with contextlib.suppress(OSError):
                (Path(destination) / folder).rmdir()
        return destination


CHAPTERS = [
    Chapter(1, "Basics", "python main.py Hello --local-scheduler"),
    Chapter(
        2,
        "CreateOutput",
        "python main.py Hello --local-scheduler",
        then="cat hello_world.txt",
        writes=(r"hello_world\.txt",),
    ),
    Chapter(
        3,
        "Parameters",
        "python main.py Hello --local-scheduler --name Belgrade",
        then="cat hello-Belgrade-*.txt",
        writes=(rf"hello-.+-{DATE}\.txt",),
    ),
    Chapter(
        4,
        "Dependencies",
        "python main.py TopSongs --tld rs --local-scheduler",
        then="cat top-rs.file",
        writes=(r"plays\.tsv", rf"top-{TLD}\.file"),
    ),
    Chapter(
        5,
        "WordCount",
        "python main.py WordCount --date-interval 2026-W45 --local-scheduler",
        then="head -n 5 wordcount-2026-W45.tsv",
        writes=(rf"wordcount-{INTERVAL}\.tsv", rf"wordcount-parallel-{INTERVAL}\.tsv", rf"daycount-{DATE}\.tsv"),
    ),
    Chapter(
        6,
        "Visualization",
        "python main.py --workers 4",
        then="cat dummy-outputs/report.txt",
        needs_luigid=True,
        quick="[pace]\nseconds = 0.04\n",
        writes=(r"dummy-outputs/work-\d+-\d+\.txt", r"dummy-outputs/merge-\d+\.txt", r"dummy-outputs/report\.txt"),
    ),
    Chapter(
        7,
        "Extensions",
        "python main.py Chart --week 2026-W48 --local-scheduler",
        then="cat output/Chart/week=2026-W48.tsv",
        writes=(
            rf"output/Plays/country={TLD},week={WEEK}\.tsv",
            rf"output/Chart/week={WEEK}\.tsv",
            r"output/plays\.db",
            r"output/plays\.db-journal",  # SQLite's, while a transaction is open
        ),
    ),
]


# The configuration files of the whole machine that luigi reads before ./luigi.cfg
# (luigi.configuration.LuigiConfigParser._config_paths).
SYSTEM_CONFIGS = (Path("/etc/luigi/client.cfg"), Path("/etc/luigi/luigi.cfg"))


def shown(path):
    """A path as the attendee types it: relative to the folder they stand in
    (WORKSHOP_HERE, which a chapter folder's make sets, since it runs the
    repo's make in the repo's folder; else the current folder), when the
    path is inside that folder or the repo; else as it is."""
    here = Path(os.environ.get("WORKSHOP_HERE") or os.getcwd())
    for absolute in (Path(os.path.abspath(path)), Path(path).resolve()):  # a link as it is, if possible
        with contextlib.suppress(ValueError):
            return absolute.relative_to(here)
        with contextlib.suppress(ValueError):
            absolute.relative_to(ROOT), here.relative_to(ROOT)  # e.g. ../.luigid, seen from a chapter folder
            return Path(os.path.relpath(absolute, here))
    return Path(path)


def every(name):
    """Whether a CHAPTER value is `all` (any case): every chapter."""
    return (name or "").strip().lower() == "all"


def find(name):
    """The chapter called `name` (any case; Basics/ as the shell completes a
    folder's name) or numbered so, or SystemExit with the known names."""
    for chapter in CHAPTERS:
        if (name or "").strip().rstrip("/").lower() in (chapter.name.lower(), str(chapter.number)):
            return chapter
    known = ", ".join(c.name for c in CHAPTERS)
    raise SystemExit(f"error: there is no chapter {name!r}. The chapters are: {known}")


def no_proxy_for(env, *hosts):
    """Add hosts to env's no_proxy: luigi's calls to a luigid on this machine
    (localhost, 127.0.0.1) must not go to the proxy of a corporate laptop's
    http_proxy, which cannot reach them."""
    for name in ("no_proxy", "NO_PROXY"):
        env[name] = ",".join(filter(None, [env.get(name), *hosts]))
    return env


def command_env(tmpdir=None, config=None):
    """The environment for a documented command: this venv's `python` first on
    PATH (and for `make`, as its venv: WORKSHOP_VENV), output unbuffered as on a terminal, no
    luigi settings from outside, and no make variables from a `make test`
    around it (they would make `make check` print "make[1]: Entering
    directory ..."). With tmpdir, temporary files go there, and so
    do luigi's pid locks, which otherwise turn away the same command run at
    the same time by another test on this machine. With config, luigi reads
    that file too, after ./luigi.cfg (for a test's own luigid, see tools/luigid.py).
    A luigid on this machine is reached without a proxy (see no_proxy_for)."""
    # Nor make's own variables: under `make test`, a documented `make ...` would
    # run as a sub-make and print "make[1]: Entering directory" lines. Nor the
    # folder that a chapter folder's make passes on, to show paths from.
    outside = ("LUIGI_", "PYTEST_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "WORKSHOP_HERE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outside)}
    if tmpdir:
        Path(tmpdir).mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["WORKSHOP_VENV"] = sys.prefix
    env["PYTHONUNBUFFERED"] = "1"
    no_proxy_for(env, "localhost", "127.0.0.1")
    if config:
        env["LUIGI_CONFIG_PATH"] = str(config)
    return env


def stop_group(process, grace=5, first=signal.SIGINT):
    """Stop a command started in a session of its own (start_new_session=True):
    send `first` (by default SIGINT, as Ctrl-C would) to its whole process
    group (the shell, python, luigi's worker processes), then, after grace
    seconds, kill what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, first)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


# Ctrl-C, a kill (`make watch` stopping a check, or make passing its SIGTERM on)
# and a closed terminal.
STOPS = (signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else []))


# Set on the first of STOPS: a loop sees it even where Python ignored its KeyboardInterrupt.
STOPPED = threading.Event()


def stop_as_on_ctrl_c(*_):
    """Take any of STOPS for a Ctrl-C, once: later ones are let go while the
    first one's cleaning up runs. make passes a SIGTERM on to its command, so
    that one comes twice, and a second KeyboardInterrupt raised in a finally
    block would leave the processes it was stopping running."""
    for number in STOPS:
        signal.signal(number, let_go)
    STOPPED.set()
    raise KeyboardInterrupt


def raise_if_stopped():
    """In a loop that waits: raise the KeyboardInterrupt of a Ctrl-C that
    Python ignored. It ignores an exception raised while an object is being
    collected (the signal came during a Popen's __del__, say), and the later
    Ctrl-Cs are let go: without this, nothing would stop the loop."""
    if STOPPED.is_set():
        raise KeyboardInterrupt


def let_go(*_):
    """A handler that does nothing. Not SIG_IGN: a process started now would
    inherit SIG_IGN, and a Ctrl-C could not stop it."""


@contextlib.contextmanager
def stops_held_back():
    """Hold a Ctrl-C (or SIGTERM, SIGHUP) back until the block ends, then let
    the handler in place take it. One that came while subprocess starts a
    process in a session of its own, or before the process is recorded as
    ours, would leave it running, unknown to the tool. Signals go to the main
    thread only: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = {number: signal.signal(number, lambda number, _: held.append(number)) for number in STOPS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if held:
        signal.raise_signal(held[0])


# How soon, in seconds, a tool waiting on its processes sees a Ctrl-C.
WAKE_EVERY = 0.2


def wait_awake(process):
    """process.wait(), in short steps. Python runs a signal's handler in the
    main thread, between two of its own steps. A Ctrl-C that comes just as a
    wait with no end begins, or that the system hands to another thread, is
    seen only when that wait ends: for a chapter's endless loop, never."""
    while True:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return process.wait(WAKE_EVERY)


@contextlib.contextmanager
def stopping_as_on_ctrl_c():
    """Within the block, STOPS raise one KeyboardInterrupt (stop_as_on_ctrl_c).
    The commands started by the tools run in sessions of their own, out of
    reach of all three: the tool must stop them itself, in full. Signals go
    to the main thread only: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, stop_as_on_ctrl_c) for number in STOPS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def fresh_repo(destination, solved=True):
    """Copy the files a fresh clone has (tracked, or new and not ignored: no
    venv, no outputs) to destination. Solved: with the solutions in the
    chapter folders, as an attendee's repo looks once every blank is filled."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # A virtual environment made in the repo by hand (`python -m venv v`) is
    # new and not ignored, but no part of a clone.
    venvs = {config.parent.name for config in ROOT.glob("*/pyvenv.cfg")}
    for name in filter(None, listed.split("\0")):
        if name.split("/")[0] in venvs:
            continue
        source, target = ROOT / name, Path(destination) / name
        if source.is_symlink() or source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    for chapter in CHAPTERS if solved else []:
        shutil.copy2(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(destination) / "main.py")
    return Path(destination)
