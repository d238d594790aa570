"""Every laptop in the room: the repo as attendees get it on Windows, macOS
and Linux, each situation built for real: a clone without symlinks, a venv
whose Python is gone, a folder with a space, a venv made by hand, workers
started with `spawn` (as on macOS), Windows without WSL, no network, and the
dev container."""

import configparser
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import luigi
import pytest

from tools import luigid
from tools.chapters import CHAPTERS, ROOT, SOLUTIONS, command_env, find, fresh_repo

GIT = "git -c user.name=attendee -c user.email=attendee@example.invalid"


@pytest.fixture
def run(tmp_path):
    """Run a shell command as a user would, with this test run's venv as
    make's venv (unless venv=None: then make uses the repo's own .venv) and
    any environment variable changed (None removes it)."""

    def run(command, cwd, config=None, venv=sys.prefix, **changes):
        env = command_env(tmp_path / "tmp", config)
        changes["WORKSHOP_VENV"] = venv
        for name, value in changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return subprocess.run(
            command,
            shell=True,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )

    return run


def committed(path, run):
    assert run(f"git init -q && git add -A && {GIT} commit -qm clone", path).returncode == 0
    return path


def lines(output, text):
    return [line for line in output.splitlines() if text in line]


def retcode(name):
    """An exit code that the workshop's luigi.cfg sets in [retcode]."""
    config = configparser.ConfigParser()
    config.read(ROOT / "luigi.cfg")
    return config.getint("retcode", name)


# A checkout without symlinks --------------------------------------------------


@pytest.fixture
def clone_without_symlinks(tmp_path, run):
    """A clone made as Git for Windows makes one (core.symlinks=false) of this
    repo as it is now, with the solutions in the chapter folders."""
    committed(fresh_repo(tmp_path / "published"), run)
    assert run("git -c core.symlinks=false clone -q published clone", tmp_path).returncode == 0
    return tmp_path / "clone"


def chapter_configs(repo):
    return sorted(repo.glob("*/luigi.cfg")) + sorted(repo.glob("solutions/*/luigi.cfg"))


def status(repo):
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout


def test_setup_mends_a_checkout_without_symlinks_into_links(clone_without_symlinks, run):
    repo = clone_without_symlinks
    configs = chapter_configs(repo)
    assert len(configs) == 2 * len(CHAPTERS), "one in each chapter folder of both trees"
    assert {path.read_text() for path in configs} == {"../luigi.cfg", "../../luigi.cfg"}, "the situation is real"
    parameters = find("Parameters").folder(repo / "solutions")
    broken = run("python main.py Hello --local-scheduler --name Belgrade", parameters)
    assert broken.returncode != 0 and "MissingSectionHeaderError" in broken.stdout, broken.stdout

    setup = run("make setup", repo)
    assert setup.returncode == 0, setup.stdout
    said = lines(setup.stdout, "luigi.cfg")
    assert len(said) == 1 and f"the {len(configs)} chapter luigi.cfg files links" in said[0], setup.stdout
    for path in configs:
        assert path.is_symlink() and path.resolve() == repo / "luigi.cfg", path
    assert status(repo) == "", "git sees the links it has in its index: nothing changed"
    assert "luigi.cfg" not in run("make setup", repo).stdout, "said once"

    # A missing parameter: luigi's exit code from luigi.cfg, and none of its warnings.
    missing = run("python main.py Hello --local-scheduler", parameters)
    assert missing.returncode == retcode("unhandled_exception"), missing.stdout
    assert "MissingParameterException" in missing.stdout
    assert "Warning" not in missing.stdout and "autoload" not in missing.stdout, missing.stdout


def test_where_symlinks_are_not_allowed_setup_makes_copies_that_git_leaves_alone(clone_without_symlinks, run, tmp_path):
    repo = clone_without_symlinks
    fake = tmp_path / "no-symlinks"
    fake.mkdir()
    (fake / "ln").write_text("#!/bin/sh\necho 'ln: symbolic links are not allowed here' >&2\nexit 1\n")
    (fake / "ln").chmod(0o755)
    setup = run("make setup", repo, PATH=f"{fake}{os.pathsep}{command_env()['PATH']}")
    assert setup.returncode == 0, setup.stdout
    said = lines(setup.stdout, "luigi.cfg")
    assert len(said) == 1 and "by copies of ./luigi.cfg" in said[0], setup.stdout
    for path in chapter_configs(repo):
        assert not path.is_symlink() and path.read_text() == (repo / "luigi.cfg").read_text(), path
    assert status(repo) == "", "git is told to leave the copies alone"
    basics = find("Basics")
    hello = run(basics.command, basics.folder(repo / "solutions"))
    assert hello.returncode == 0 and "Hello World" in hello.stdout, hello.stdout


# A venv whose Python is gone, a folder with a space, a venv made by hand ----


def test_a_venv_whose_python_is_gone_is_made_anew_in_a_folder_with_a_space(tmp_path, run):
    """Python upgraded or removed: .venv/bin/python points to nothing. In a
    folder with a space; one venv (installing one is slow) for three situations."""
    repo = committed(fresh_repo(tmp_path / "My Projects" / "luigi-workshop", solved=False), run)

    def make(target):  # make's own .venv, in the folder with a space; pip told to install --user
        return run(f"make {target}", repo, venv=None, PIP_USER="1")

    python = run("tools/pick-python python3", repo).stdout.strip()
    assert run(f"'{python}' -m venv --without-pip .venv && touch .venv/bin/.installed", repo).returncode == 0
    gone = tmp_path / "uninstalled" / "bin" / "python3"
    for link in (repo / ".venv/bin").iterdir():  # the links to the interpreter that the venv was made with
        if link.is_symlink() and Path(os.readlink(link)).is_absolute():
            link.unlink()
            link.symlink_to(gone)
    assert (repo / ".venv/bin/python").is_symlink() and not (repo / ".venv/bin/python").exists()
    check = make("check CHAPTER=Basics")
    assert "0 of 1 chapter done." in check.stdout, check.stdout
    said = lines(check.stdout, "Creating .venv")
    assert said == [f"Creating .venv anew with {python}: its Python, {gone}, is gone"], check.stdout
    assert "Nothing to be done" in make("setup").stdout

    # A venv that make did not set up (made by hand: `python -m venv .venv`,
    # `.venv/bin/pip install -r requirements.txt`) but that has everything.
    (repo / ".venv/bin/.installed").unlink()
    check = make("check CHAPTER=Basics")
    assert check.stdout.startswith("Checking your exercises in this repo:\n"), "nothing to install, nothing said"
    assert (repo / ".venv/bin/.installed").exists()

    console = run("echo 'print(luigi.__name__ * 2)' | make console", repo, venv=None)
    assert console.returncode == 0 and "is imported" in console.stdout and "luigiluigi" in console.stdout, (
        console.stdout
    )
    port = luigid.free_port()
    started = make(f"luigid PORT={port}")
    try:
        assert started.returncode == 0 and f"Open http://localhost:{port}/" in started.stdout, started.stdout
    finally:
        assert "Stopped luigid" in make("luigid-stop").stdout
    main = repo / "Basics" / "main.py"
    blank = main.read_text()
    main.write_text("my try\n")
    assert make("reset CHAPTER=Basics").returncode == 0 and main.read_text() == blank
    output = repo / "CreateOutput" / "hello_world.txt"  # what chapter 2 writes
    output.write_text("Hello World\n")
    assert make("clean").returncode == 0
    assert not output.exists()
    assert [p.read_text() for p in main.parent.glob("main.py.saved-*")] == ["my try\n"], "clean keeps edits"
    for folder in ("Visualization", "solutions/Visualization"):  # chapter 6's own make file finds the repo
        report = repo / folder / "dummy-outputs" / "report.txt"
        report.parent.mkdir()
        report.write_text("Report\n")
        cleaned = run("make clean", repo / folder, venv=None)
        assert cleaned.returncode == 0 and not report.parent.exists(), cleaned.stdout


def test_make_run_works_in_a_folder_with_a_space(tmp_path, run):
    repo = committed(fresh_repo(tmp_path / "My Projects" / "luigi-workshop", solved=False), run)
    result = run("make run", repo)
    assert result.returncode == 0, result.stdout
    assert f"{len(CHAPTERS)} of {len(CHAPTERS)} chapters ran successfully" in result.stdout, result.stdout
    assert "`make luigid` first keeps one running" in result.stdout, "with no make luigid, a luigid of its own"
    listed = run("git status --porcelain --untracked-files=all", repo).stdout
    assert listed == "", f"make run works in a scratch folder, not in the repo: {listed}"


def test_a_venv_made_by_hand_inside_the_repo_is_no_part_of_a_fresh_clone(tmp_path):
    clone = fresh_repo(tmp_path / "clone")
    assert not list(clone.glob("*/pyvenv.cfg"))


def test_the_commands_work_where_python_leaves_the_current_folder_off_its_path(repo, run):
    """PYTHONSAFEPATH=1 (Python 3.11+), set in some shells' profiles: `python -m tools.check` would find no tools/."""
    check = run("make check CHAPTER=Basics", repo, PYTHONSAFEPATH="1")
    assert "0 of 1 chapter done." in check.stdout, check.stdout
    for command in ("make hint", "make clean", "make reset CHAPTER=Basics"):
        result = run(command, repo, PYTHONSAFEPATH="1")
        assert result.returncode == 0 and "No module named" not in result.stdout, f"{command}:\n{result.stdout}"


def test_a_venv_or_python_exported_for_another_project_is_not_used(repo, run, tmp_path):
    """VENV or PYTHON in the environment (node-gyp reads PYTHON): make would
    install the workshop into another project's venv, or try only that Python.
    make -n prints the commands that make would run."""
    other = tmp_path / "other-project" / "venv"
    planned = run("make -n setup check", repo, venv=None, VENV=str(other), PYTHON="python3.9")
    assert planned.returncode == 0, planned.stdout
    assert 'tools/make-venv ".venv" python3 python3.13' in planned.stdout, planned.stdout
    assert ".venv/bin/python -m tools.check" in planned.stdout and str(other) not in planned.stdout
    given = run(f"make -n setup VENV={other} PYTHON=python3.12", repo, venv=None)
    assert f'tools/make-venv "{other}" python3.12' in given.stdout, "given on make's command line, they count"


def test_setup_with_a_temporary_folder_that_is_gone_says_so_first(tmp_path, run):
    """TMPDIR exported to a folder since removed: mktemp and pip would fail in their own words."""
    venv = tmp_path / "venv"
    result = run("make setup", ROOT, venv=str(venv), TMPDIR=str(tmp_path / "gone"))
    assert result.returncode != 0
    said = f"error: the temporary folder {tmp_path / 'gone'} (TMPDIR) is missing or not writable, and pip needs one."
    assert said in result.stdout and "mktemp" not in result.stdout, result.stdout
    assert not venv.exists(), "nothing made before it says so"


# Windows without WSL, and no network -------------------------------------------


def fake_command(folder, name, output):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\necho '{output}'\n")
    (folder / name).chmod(0o755)
    return folder / name


@pytest.mark.parametrize("system", ["MINGW64_NT-10.0-22631", "MSYS_NT-10.0-22631", "CYGWIN_NT-10.0-22631"])
def test_setup_on_windows_without_wsl_says_once_what_does_not_work_there(tmp_path, run, system):
    fake = tmp_path / "windows"
    fake_command(fake, "uname", system)
    old_python = fake_command(fake, "python3.9", "3.9")  # stops setup before it creates a venv
    path = f"{fake}{os.pathsep}{command_env()['PATH']}"
    result = run(f"make setup PYTHON={old_python}", ROOT, venv=str(tmp_path / "venv"), PATH=path)
    assert result.returncode != 0
    assert len(lines(result.stdout, "Windows without WSL")) == 1, result.stdout
    assert "luigi's documentation says" in result.stdout and "(--workers 2 or more" in result.stdout
    assert "Use WSL, or open the repo in a dev container" in result.stdout
    assert result.stdout.index("Windows") < result.stdout.index("error: this workshop needs Python")
    assert not (tmp_path / "venv").exists()
    linux = run(f"make setup PYTHON={old_python}", ROOT, venv=str(tmp_path / "venv"))
    assert "Windows" not in linux.stdout, linux.stdout


def test_setup_with_a_windows_python_says_what_to_use_instead(tmp_path, run):
    """Git Bash with Python from python.org: its venvs have Scripts/python.exe."""
    fake = tmp_path / "windows"
    fake_command(fake, "uname", "MINGW64_NT-10.0-22631")
    python = fake / "python3.12"  # answers pick-python's question, and makes a venv as on Windows
    python.write_text(
        '#!/bin/sh\ncase "$1" in\n'
        "  -c) echo 3.12 ;;\n"  # python -c '...print the version...'
        '  -m) mkdir -p "$3/Scripts" && : >"$3/Scripts/python.exe" ;;\n'  # python -m venv DIR
        "esac\n"
    )
    python.chmod(0o755)
    path = f"{fake}{os.pathsep}{command_env()['PATH']}"
    result = run(f"make setup PYTHON={python}", ROOT, venv=str(tmp_path / "venv"), PATH=path)
    assert result.returncode != 0
    said = result.stdout[result.stdout.index("error: ") :]
    assert said.startswith(f"error: {python} is a Windows Python: its venv has Scripts/python.exe"), result.stdout
    assert "Use WSL, or open the repo in a dev container" in said
    assert "Installing" not in result.stdout and "No such file" not in result.stdout


def test_setup_without_network_says_so_and_points_to_the_wheelhouse(tmp_path, run):
    closed = luigid.free_port()  # nothing listens there
    offline = {
        "PIP_INDEX_URL": f"http://127.0.0.1:{closed}/simple",
        "PIP_CONFIG_FILE": os.devnull,  # no find-links or extra index of this machine's pip
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": None,
        "PIP_NO_INDEX": None,
    }
    result = run("make setup", ROOT, venv=str(tmp_path / "venv"), **offline)
    assert result.returncode != 0
    assert "No matching distribution found" in result.stdout, result.stdout
    said = result.stdout[result.stdout.index("error: pip cannot reach the package index") :]
    wheelhouse = "PIP_NO_INDEX=1 PIP_FIND_LINKS=$PWD/wheelhouse make setup"
    assert wheelhouse in said and '"For instructors" in README.md' in said, result.stdout
    instructors = (ROOT / "README.md").read_text().split("## For instructors")[1].split("\n## ")[0]
    assert wheelhouse in instructors and "pip download -r requirements.txt -d wheelhouse" in instructors
    assert "Windows" not in result.stdout


# Workers started with spawn, as on macOS ----------------------------------------

SPAWN = """\
import multiprocessing, os, sys
multiprocessing.set_start_method("spawn", force=True)
with open(os.environ["STARTS"], "a") as starts:
    starts.write(f"{multiprocessing.get_start_method()} {'--multiprocessing-fork' in sys.argv}\\n")
"""


@pytest.fixture
def spawn(tmp_path, run):
    """Run a command whose Python processes start their workers with spawn,
    Python's only way on Windows and its default on macOS. Returns the result
    and how many worker processes were spawned: every Python process started
    (the command and its workers) runs sitecustomize.py and writes a line."""
    folder = tmp_path / "spawn"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SPAWN)

    def spawned(command, cwd, config=None):
        starts = folder / "starts.txt"
        starts.unlink(missing_ok=True)
        result = run(command, cwd, config, PYTHONPATH=str(folder), STARTS=str(starts))
        started = starts.read_text().splitlines()
        assert started and {line.split()[0] for line in started} == {"spawn"}, started
        return result, sum(line.endswith("True") for line in started)

    return spawned


def ran(output):
    return int(re.search(r"^\* (\d+) ran successfully", output, re.M).group(1))


def documented(command):
    """A command that a page shows (README.md or a chapter's page)."""
    pages = [ROOT / "README.md", *ROOT.glob("*/README.md")]
    assert any(f"\n$ {command}\n" in page.read_text() for page in pages), f"no page shows `{command}`"
    return command


def test_wordcount_fans_out_over_spawned_workers(tmp_path, spawn, run):
    chapter = find("WordCount")
    folder = chapter.copy(SOLUTIONS, tmp_path / chapter.name)
    command = documented("python main.py ParallelWordCount --date-interval 2026-W45 --local-scheduler --workers 2")
    result, workers = spawn(command, folder)
    assert result.returncode == 0, result.stdout
    assert workers == ran(result.stdout) > 2, "each task ran in a spawned process of its own"
    assert run(chapter.command, folder).returncode == 0
    parallel, single = (folder / "wordcount-parallel-2026-W45.tsv"), (folder / "wordcount-2026-W45.tsv")
    assert parallel.read_bytes() == single.read_bytes()

    # What the pages may show: with fork (Linux), each worker process logs
    # "running" and "done" for its task; spawned ones (macOS, Windows) do not.
    for output in folder.glob("*count*.tsv"):
        output.unlink()
    forked = run(command, folder)
    assert forked.returncode == 0 and ran(forked.stdout) == ran(result.stdout)

    def logged(output):
        return sorted(re.sub(r"\d{3,}", "N", line) for line in output.splitlines())

    only_forked = set(logged(forked.stdout)) - set(logged(result.stdout))
    assert only_forked and all(re.search(r"\) (running|done) +\w+\(", line) for line in only_forked), only_forked
    assert set(logged(result.stdout)) <= set(logged(forked.stdout))


def all_tasks(task):
    """The task and every task upstream of it."""
    return {task.task_id}.union(*(all_tasks(t) for t in luigi.task.flatten(task.requires())))


def test_visualization_runs_on_luigid_with_spawned_workers(tmp_path, spawn, luigid):
    """Every task class of chapter 6 in spawned workers, on luigid. Each task
    spawns a Python of its own (a third of a second each): all groups but the
    first are done beforehand, so that the run has one task of each kind."""
    chapter = find("Visualization")
    folder = chapter.copy(SOLUTIONS, tmp_path / chapter.name)
    spec = importlib.util.spec_from_file_location("spawned_visualization", folder / "main.py")
    main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main)
    report = main.Report()
    groups, parts = len(report.requires()), len(main.Merge(group=0).requires())
    for merge in report.requires()[1:]:
        done = folder / merge.output().path
        done.parent.mkdir(exist_ok=True)
        done.write_text(f"group {merge.group}: done beforehand\n")

    result, workers = spawn(
        documented(chapter.command), folder, luigid.client_config(tmp_path / "quick.cfg", chapter.quick)
    )
    assert result.returncode == 0, result.stdout
    tasks = {report.task_id} | all_tasks(main.Merge(group=0))
    assert workers == ran(result.stdout) == len(tasks) == 1 + 1 + parts
    known = luigid.api("task_list", status="", upstream_status="", search="")
    assert tasks <= set(known) and {known[task]["status"] for task in tasks} == {"DONE"}
    assert (folder / "dummy-outputs/report.txt").read_text() == f"Report: {groups} groups of {parts} parts, all done\n"


def test_extensions_loads_with_spawned_workers(tmp_path, spawn, run):
    chapter = find("Extensions")
    command = documented("python main.py Chart --week 2026-W49 --local-scheduler --workers 2")
    spawned = chapter.copy(SOLUTIONS, tmp_path / "spawned")
    result, workers = spawn(command, spawned)
    assert result.returncode == 0, result.stdout
    assert workers == ran(result.stdout) > 2
    alone = chapter.copy(SOLUTIONS, tmp_path / "alone")
    assert run(command.replace(" --workers 2", ""), alone).returncode == 0  # one worker, in one process
    chart = "output/Chart/week=2026-W49.tsv"
    assert (spawned / chart).read_text() == (alone / chart).read_text()


# The dev container ---------------------------------------------------------------


def test_the_dev_container_sets_up_the_workshop_and_forwards_the_visualiser():
    config = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())  # plain JSON, no comments
    assert re.fullmatch(r"mcr\.microsoft\.com/devcontainers/python:(\d+-)?3\.12(-\w+)?", config["image"])
    assert config["postCreateCommand"] == "make setup"
    port = luigi.interface.core().scheduler_port
    assert port in config["forwardPorts"]
    assert config["portsAttributes"][str(port)]["label"] == "luigi visualiser"
    assert "ms-python.python" in config["customizations"]["vscode"]["extensions"]
