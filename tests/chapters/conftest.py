"""The fixtures of the chapter tests, one file per chapter: test_<name>.py.

The tests run against the finished solutions/ by default. `--tree DIR` runs
the very same tests against another tree with the same chapter folders:
`make check` gives it a copy of the attendee's. Given several times, each
test runs on each tree: that is how the exercise contract and the answer
sets are judged, every variant of a chapter in one run.

A test tied to a blank carries @pytest.mark.blank(n): `make check` reports
its failure under TODO n. Tests marked thorough run in `make test` only:
`make check` runs what the blanks' verdicts need, in a second or so.
"""

import os
import sys
from pathlib import Path

import pytest

from tools.paths import ROOT, SOLUTIONS

# In-process runs read the workshop's luigi.cfg, wherever the test runs. Set
# before luigi is imported; the commands run as typed read it from their folder.
os.environ["LUIGI_CONFIG_PATH"] = str(ROOT / "luigi.cfg")
os.environ.pop("WORKSHOP_HERE", None)  # paths are shown from the tests' own folders

import luigi
import luigi.configuration
import luigi.retcodes  # its config class (retcode) must be among KNOWN below
import luigi.task_register
import luigi.tools.range  # the same for RangeDaily and its kin (chapter 8)
from harness import ChapterUnderTest

from tools.chapters import CHAPTERS

# luigi's logging is the tests' to capture (see harness.ChapterUnderTest.main).
luigi.configuration.get_config().set("core", "no_configure_logging", "true")
# The task classes luigi knows before any main.py is loaded: each test starts with these only, or
# a Hello loaded by two tests would be two classes of one name, which luigi refuses to run by name.
KNOWN = list(luigi.task_register.Register._reg)


def pytest_addoption(parser):
    parser.addoption(
        "--tree",
        action="append",
        help="a folder that holds the chapter folders to test (default: solutions/); may be given several times",
    )


def trees(config):
    return [Path(tree).resolve() for tree in config.getoption("--tree") or [SOLUTIONS]]


def pytest_generate_tests(metafunc):
    if "tree" in metafunc.fixturenames and len(trees(metafunc.config)) > 1:
        given = trees(metafunc.config)
        metafunc.parametrize("tree", given, ids=[tree.name for tree in given], scope="module")


@pytest.fixture(scope="module")
def tree(request):
    return trees(request.config)[0]


@pytest.fixture(scope="module")
def record(request):
    """The record of the chapter whose tests these are (tools/chapters.py)."""
    return next(chapter for chapter in CHAPTERS if chapter.tests == request.path)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test starts in its own empty folder, with luigi's registry of task
    classes, its task instance cache and its configuration as fresh as in a
    new process. Several luigi runs in one process: no pid lock, which would
    turn the second away as the first."""
    monkeypatch.chdir(tmp_path)
    luigi.task_register.Register._reg[:] = KNOWN
    luigi.task_register.Register.clear_instance_cache()
    luigi.configuration.LuigiConfigParser._instance = None
    luigi.configuration.get_config().set("core", "no_lock", "true")
    yield
    for name, module in list(sys.modules.items()):  # main.py, and modules next to it, of this test's copy
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]
    luigi.task_register.Register._reg[:] = KNOWN
    luigi.task_register.Register.clear_instance_cache()
    luigi.configuration.LuigiConfigParser._instance = None


@pytest.fixture(scope="module")
def luigid(record, tmp_path_factory):
    """A real luigid of the module's own, on a free port of 127.0.0.1, stopped
    at the end (that process only): for the chapters that need one."""
    if not record.needs_luigid:
        yield None
        return
    from tools import luigid as luigid_tool

    scheduler = luigid_tool.start_on_free_port(tmp_path_factory.mktemp("luigid"))
    yield scheduler
    scheduler.stop()


@pytest.fixture
def chapter(record, tree, tmp_path, monkeypatch):
    """The chapter, in the tree under test: a copy of its folder in this test's
    folder, where the test runs, as the chapter's command runs in its folder."""
    under_test = ChapterUnderTest(record, tree, tmp_path)
    monkeypatch.chdir(under_test.copy())
    return under_test


@pytest.fixture
def on_luigid(record, tree, tmp_path, luigid, monkeypatch):
    """The chapter, with its commands sent to the module's luigid."""
    under_test = ChapterUnderTest(record, tree, tmp_path, luigid)
    monkeypatch.chdir(under_test.copy())
    return under_test


@pytest.fixture(scope="module")
def ran(record, tree, tmp_path_factory, luigid):
    """(the chapter, the result of its documented command, run as typed): one
    run for all the tests of the module that read what it did."""
    under_test = ChapterUnderTest(record, tree, tmp_path_factory.mktemp("ran"), luigid)
    return under_test, under_test.cli()
