"""The fixtures of the tests of the tools and pages; the chapter tests have
theirs in chapters/conftest.py. One meaning per name:

- sh: run a shell command as a user types it, with this venv's python;
- repo: a fresh clone of the workshop, as published (the blanks open);
- solved: the same, with every chapter's solution in its folder;
- left_running: what still runs of the processes started in a folder;
- immutable: a file that nobody may change, as a file written with sudo is.
"""

import contextlib
import os
import re
import shutil
import subprocess

import psutil
import pytest

from tools import processes
from tools.chapters import CHAPTERS
from tools.clone import copy_of_the_repo
from tools.paths import ROOT, SOLUTIONS
from tools.processes import command_env

os.environ.pop("WORKSHOP_HERE", None)  # make test run in a chapter folder: paths as from the repo
# The pages' Python examples run in this process, and read the workshop's luigi.cfg, wherever they run.
os.environ["LUIGI_CONFIG_PATH"] = str(ROOT / "luigi.cfg")


@pytest.fixture
def sh(tmp_path):
    """Run a shell command as a user would; its temporary files (and luigi's
    pid locks) go to this test's folder. Keyword arguments set variables of
    its environment, as the attendee's shell may have them (None: unset)."""

    def run(command, cwd, config=None, timeout=600, **changes):
        env = command_env(tmp_path / "tmp", config) | changes
        return subprocess.run(
            command,
            shell=True,
            cwd=cwd,
            env={name: value for name, value in env.items() if value is not None},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The repo as published, committed to git once per test process, for `repo` to clone."""
    path = copy_of_the_repo(tmp_path_factory.mktemp("published") / "repo", solved=False)
    git = "git -c user.name=maintainer -c user.email=maintainer@example.invalid"
    subprocess.run(f"git init -q && git add -A && {git} commit -qm published", shell=True, cwd=path, check=True)
    return path


@pytest.fixture
def repo(tmp_path, published):
    """A fresh clone: the exercises with their blanks, committed to git. It
    borrows the published repo's objects (--shared); its files are copies
    with their times kept (make compares requirements.txt's time with the venv's)."""
    path = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(published), str(path)], check=True)
    copy_of_the_repo(path, solved=False)
    subprocess.run(["git", "reset", "-q"], cwd=path, check=True)  # the index: the files, as committed
    return path


@pytest.fixture
def solved(repo):
    """A fresh clone in which every chapter's blanks are filled in with its solution."""
    for chapter in CHAPTERS:
        shutil.copy2(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(repo) / "main.py")
    return repo


@pytest.fixture
def left_running():
    """A function: the processes still running (this test's own aside) that
    have to do with folder, by their command line, folder or environment,
    after waiting up to `wait` seconds for them to end."""

    def find(folder, wait=10, **_):
        found = []
        for process in processes.running_in(folder, wait):
            with contextlib.suppress(psutil.Error):
                found.append(" ".join(process.cmdline()))
        return found

    return find


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


def status(repo):
    """What git sees as changed or new in a repo, ignored files aside."""
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True)
    return sorted(listed.stdout.decode().splitlines())


@pytest.fixture
def git_status():
    return status


# The modules whose tests run whole make commands go first, so that in parallel they do not finish last.
# The modules whose tests take longest (pytest --durations), longest first: started first, they do not
# end the run alone on one worker while the others are idle.
SLOWEST = (
    "test_scale_out.py", "test_slides.py", "test_run.py", "test_setup.py", "test_pages.py",
    "test_stops.py", "test_answers.py", "test_images.py",
)  # fmt: skip


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: SLOWEST.index(item.path.name) if item.path.name in SLOWEST else len(SLOWEST))


def shared(nodeid):
    """The tests that share state run on one worker, in order: the Python
    examples of one page (one namespace per page), and the modules whose
    tests read one run (module-scoped fixtures). Every other test on its own."""
    example = re.fullmatch(r"(.+::test_page_example\[(.+)):(\d+)\]", nodeid)
    if example:
        lines = (ROOT / example.group(2)).read_text().splitlines()
        return nodeid if lines[int(example.group(3)) - 1].startswith("```console") else example.group(1)
    module = nodeid.split("::")[0]
    judged = re.search(r"\[(\w+)\.", nodeid) if module.endswith("/test_answers.py") else None
    if judged:  # one run of the judge per chapter
        return f"{module}::{judged.group(1)}"
    if module.endswith("/test_stops.py") and "::test_make_scale_out[" in nodeid:  # one demo at a time here
        return module.replace("test_stops.py", "test_scale_out.py")
    if "/chapters/" in module or module.endswith(("/test_scale_out.py", "/test_slides.py", "/test_new_chapter.py")):
        return module
    return nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs in parallel (pytest-xdist): each test, or group of tests
    that share state, goes to whichever worker is free."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return shared(nodeid)

    return Scheduling(config, log)
