"""What every chapter test shares.

The tests run against the finished solutions/ by default. `--tree DIR` runs the
very same tests against any tree with the same chapter folders: `--tree .` is
the attendee's own exercises (that is what `make check` does).
"""

import contextlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools import luigid as luigid_tool
from tools.blanks import open_todos, todos
from tools.chapters import CHAPTERS, EXERCISES, ROOT, SOLUTIONS, command_env, find, fresh_repo

# In-process runs read the workshop's luigi.cfg, wherever the test runs. Set
# before luigi is imported; documented commands do not get it (see command_env).
os.environ["LUIGI_CONFIG_PATH"] = str(ROOT / "luigi.cfg")
# make test run in a chapter folder: the tests show paths from their own folders, not from that one.
os.environ.pop("WORKSHOP_HERE", None)

import luigi
import luigi.configuration
import luigi.task_register


def pytest_addoption(parser):
    parser.addoption(
        "--tree",
        default=str(SOLUTIONS),
        help="folder that holds the chapter folders to test (default: solutions/; '.' for the exercises)",
    )


@pytest.fixture(scope="session")
def tree(request):
    return Path(request.config.getoption("--tree")).resolve()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test starts in its own empty folder, with luigi's task instance
    cache and configuration as fresh as in a new process."""
    monkeypatch.chdir(tmp_path)
    luigi.task_register.Register.clear_instance_cache()
    luigi.configuration.LuigiConfigParser._instance = None
    yield
    luigi.task_register.Register.clear_instance_cache()
    luigi.configuration.LuigiConfigParser._instance = None


@pytest.fixture
def luigid(tmp_path):
    """A real luigid of this test's own: bound to 127.0.0.1 on a free port,
    its pid file, log and state in the test's folder, answering when the test
    starts, and stopped (that process only) when it ends, pass or fail."""
    scheduler = luigid_tool.start_on_free_port(tmp_path / "luigid")
    yield scheduler
    scheduler.stop()


@pytest.fixture
def processes_mentioning():
    """A function: the processes whose command line mentions text, or whose
    current folder is in it (Linux: /proc), this test's own process aside."""

    def find(text):
        found = []
        for process in Path("/proc").glob("[0-9]*"):
            if process.name == str(os.getpid()):
                continue  # this test, which runs in its own folder
            try:
                command = (process / "cmdline").read_bytes().decode(errors="replace")
                if text in command or text in os.readlink(process / "cwd"):
                    found.append(command.replace("\0", " ").strip())
            except OSError:
                pass  # ended meanwhile, or not ours to read
        return found

    return find


@pytest.fixture
def sh(tmp_path):
    """Run a shell command as a user would; its temporary files (and luigi's
    pid locks) go to this test's folder. Keyword arguments set variables of
    its environment, as the attendee's shell may have them (None: unset)."""

    def run(command, cwd, config=None, **changes):
        env = command_env(tmp_path / "tmp", config) | changes
        return subprocess.run(
            command,
            shell=True,
            cwd=cwd,
            env={name: value for name, value in env.items() if value is not None},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )

    return run


@pytest.fixture
def immutable():
    """Make files that nobody may change or remove, not even root (chattr +i):
    how a file written with sudo looks to an attendee. The flag goes again
    after the test, so that its folder can be removed."""
    made = []

    def make(path):
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            message = f"chattr +i does not work here: {done.stderr.strip()}"
            if os.environ.get("CI"):
                pytest.fail(f"on CI, {message} (.ci/run installs chattr)")
            pytest.skip(message)
        made.append(path)

    yield make
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The repo as published (the exercises with their blanks), committed to
    git once per test process, for `repo` to clone."""
    path = fresh_repo(tmp_path_factory.mktemp("published") / "repo", solved=False)
    git = "git -c user.name=attendee -c user.email=attendee@example.invalid"
    subprocess.run(f"git init -q && git add -A && {git} commit -qm published", shell=True, cwd=path, check=True)
    return path


@pytest.fixture
def repo(tmp_path, published):
    """A fresh clone: the exercises with their blanks, committed to git.

    The clone borrows the published repo's objects (--shared) rather than
    writing a hundred files of its own: on this disk, creating files is most
    of what a commit costs. Its files are copies with their times kept, as
    with every other copy of the repo (make compares requirements.txt's time
    with the venv's)."""
    path = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(published), str(path)], check=True)
    fresh_repo(path, solved=False)
    subprocess.run(["git", "reset", "-q"], cwd=path, check=True)  # the index: the files, as committed
    return path


class ChapterUnderTest:
    def __init__(self, chapter, tree, workdir, request, luigid=None):
        self.chapter = chapter
        self.tree = tree
        self.source = chapter.folder(tree) / "main.py"
        self.workdir = workdir
        self.request = request
        self._luigid = luigid

    @property
    def luigid(self):
        """The test's own luigid (or the one given), started when first used, for a chapter that needs one."""
        if not self.chapter.needs_luigid:
            return None
        return self._luigid or self.request.getfixturevalue("luigid")

    @property
    def config(self):
        """For a chapter that needs luigid: a luigi configuration file that
        sends its commands, unchanged, to the test's own luigid, and makes them quick."""
        if not self.chapter.needs_luigid:
            return None
        path = self.workdir / "luigi-test.cfg"
        return path if path.exists() else self.luigid.client_config(path, self.chapter.quick)

    def load(self):
        """Import the chapter's main.py afresh, as a module called main, from
        this test's copy of the chapter folder: a path that main.py builds
        from __file__ points into the copy, never into the chapter folder."""
        spec = importlib.util.spec_from_file_location("main", self.copy() / "main.py")
        module = importlib.util.module_from_spec(spec)
        writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in the copy
        try:
            spec.loader.exec_module(module)
        finally:
            sys.dont_write_bytecode = writes_bytecode
        return module

    def build(self, *tasks):
        """Run tasks on luigi's local scheduler, in this test's folder."""
        return luigi.build(list(tasks), local_scheduler=True, detailed_summary=True)

    def copy(self):
        """The chapter folder copied into this test's folder, without generated outputs."""
        target = self.workdir / self.chapter.name
        return target if target.exists() else self.chapter.copy(self.tree, target)

    def files(self):
        """Every file in the copy, relative to it: the attendee's own among them,
        whatever their names. Compare before and after a command to see what it wrote."""
        copy = self.copy()
        return {p.relative_to(copy).as_posix() for p in copy.rglob("*") if not p.is_dir()}

    def written(self):
        """The outputs of the chapter's tasks in the copy (not the attendee's other files)."""
        copy = self.copy()
        return sorted(p for p in copy.rglob("*") if p.is_file() and self.chapter.generated(p.relative_to(copy)))

    def twice_at_once(self, command, folder=None, timeout=120):
        """Start a shell command twice at the same instant, in folder (by
        default this test's copy of the chapter folder). Returns the two
        CompletedProcess results, output merged."""
        folder = folder or self.copy()
        env = command_env(self.workdir / "tmp", self.config)
        merged = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, "errors": "replace"}
        processes = [subprocess.Popen(command, shell=True, cwd=folder, env=env, **merged) for _ in range(2)]
        outputs = [process.communicate(timeout=timeout)[0] for process in processes]
        return [
            subprocess.CompletedProcess(p.args, p.returncode, out) for p, out in zip(processes, outputs, strict=True)
        ]

    def cli(self, command=None, timeout=120):
        """Run a shell command (the documented one by default) inside a copy of
        the chapter folder. Returns the CompletedProcess, output merged."""
        return subprocess.run(
            command or self.chapter.command,
            shell=True,
            executable="/bin/bash",
            cwd=self.copy(),
            env=command_env(self.workdir / "tmp", self.config),
            stdin=subprocess.DEVNULL,  # an input() in main.py gets no answer, rather than waiting
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",  # bytes that are no UTF-8 (print is not wrong to write them) show as �
            timeout=timeout,
        )


@pytest.fixture
def chapter(request, tree, tmp_path):
    """The chapter named by the test module's CHAPTER, in the tree under test."""
    return ChapterUnderTest(find(request.module.CHAPTER), tree, tmp_path, request)


@pytest.fixture(scope="module")
def ran(request, tree, tmp_path_factory):
    """(the module's chapter, the result of its documented command): one run
    for every test of the module that only reads what the run did. A chapter
    that needs luigid gets one of the module's own."""
    chapter = find(request.module.CHAPTER)
    scheduler = None
    if chapter.needs_luigid:
        scheduler = luigid_tool.start_on_free_port(tmp_path_factory.mktemp("luigid"))
        request.addfinalizer(scheduler.stop)
    under_test = ChapterUnderTest(chapter, tree, tmp_path_factory.mktemp("ran"), request, luigid=scheduler)
    return under_test, under_test.cli()


def pytest_terminal_summary(terminalreporter):
    """An attendee who runs `make test` after filling in blanks sees the
    contract tests fail, by design: say so, and point to `make check`."""
    filled = []
    for chapter in CHAPTERS:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            source = (chapter.folder(EXERCISES) / "main.py").read_text()
            if len(open_todos(source)) < len(todos(source)):
                filled.append(chapter.name)
    if filled:
        terminalreporter.write_line(
            f"Note: you have filled in blanks in {', '.join(filled)}. `make test` checks the repo as published, so"
            " its exercise checks fail for those chapters. To check your answers, run `make check`.",
            yellow=True,
        )


# The modules whose tests run whole make commands (setup, run, check, the
# scale-out demo, and the pages' examples of them), the slowest: they go
# first, so that in parallel (`make test`) they do not finish last.
SLOWEST = {"test_tooling.py", "test_laptops.py", "test_scale_out.py", "test_pages.py"}


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in SLOWEST)


def shared(nodeid):
    """The tests that share state, and so run on one worker, in order: the
    Python examples of one page (one namespace per page), and the modules
    whose tests read one run (the `ran` fixture, the scale-out demo). Every
    other test is on its own, a page's console blocks too (each runs in a
    fresh copy of the repo)."""
    example = re.fullmatch(r"(.+::test_page_example\[(.+)):(\d+)\]", nodeid)
    if example:
        lines = (ROOT / example.group(2)).read_text().splitlines()
        return nodeid if lines[int(example.group(3)) - 1].startswith("```console") else example.group(1)
    module = nodeid.split("::")[0]
    return module if module.endswith(("/test_scale_out.py", "/test_6_visualization.py")) else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs the tests in parallel with pytest-xdist: each test, or
    group of tests that share state, goes to whichever worker is free."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return shared(nodeid)

    return Scheduling(config, log)
