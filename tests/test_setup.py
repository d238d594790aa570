"""Every laptop in the room: the repo as attendees get it, each situation built
for real: a clone without symlinks, or with Windows' line ends; a venv whose
Python is gone, made by uv without pip, or missing a package; a Python too
old; Windows without WSL; no network; workers started with spawn (as on
macOS); and the dev container. One real install, offline, from a wheelhouse
built once per test run."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import luigi
import pytest

from tools import luigid, processes
from tools.chapters import find
from tools.clone import copy_of_the_repo
from tools.paths import ROOT, SOLUTIONS
from tools.processes import command_env

GIT = "git -c user.name=attendee -c user.email=attendee@example.invalid"


@pytest.fixture
def run(tmp_path):
    """Run a shell command as a user would, with this test run's venv as make's venv (unless venv=None:
    then make uses the repo's own .venv) and any variable of the environment changed (None removes it)."""

    def run(command, cwd, config=None, venv=sys.prefix, **changes):
        env = command_env(tmp_path / "tmp", config) | {"WORKSHOP_VENV": venv} | changes
        env = {name: value for name, value in env.items() if value is not None}
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


def lines(output, text):
    return [line for line in output.splitlines() if text in line]


def fake_command(folder, name, script):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\n{script}\n")
    (folder / name).chmod(0o755)
    return folder / name


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory):
    """What the workshop installs, downloaded once: the run sheet's wheelhouse."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-r", str(ROOT / "requirements.txt"), "-d", str(folder)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


# A checkout without symlinks, or with Windows' line ends ------------------------------


@pytest.fixture
def published(tmp_path, run):
    path = copy_of_the_repo(tmp_path / "published", solved=True)
    assert run(f"git init -q && git add -A && {GIT} commit -qm published", path).returncode == 0
    return path


def chapter_configs(repo):
    return sorted(repo.glob("*/luigi.cfg")) + sorted(repo.glob("solutions/*/luigi.cfg"))


@pytest.mark.parametrize("symlinks", ["allowed", "not allowed"])
def test_setup_mends_a_checkout_without_symlinks(published, run, tmp_path, symlinks):
    """Git for Windows clones with core.symlinks=false: each chapter's luigi.cfg is a text file holding
    ../luigi.cfg. Made a link again, or where the system allows none, a copy that git leaves alone."""
    assert run("git -c core.symlinks=false clone -q published clone", tmp_path).returncode == 0
    repo = tmp_path / "clone"
    configs = chapter_configs(repo)
    assert {path.read_text() for path in configs} == {"../luigi.cfg", "../../luigi.cfg"}, "the situation is real"
    path = None
    if symlinks == "not allowed":
        fake = fake_command(
            tmp_path / "no-symlinks", "ln", "echo 'ln: symbolic links are not allowed here' >&2; exit 1"
        )
        path = f"{fake.parent}{os.pathsep}{command_env()['PATH']}"
    setup = run("make setup", repo, PATH=path)
    assert setup.returncode == 0, setup.stdout
    said = lines(setup.stdout, "luigi.cfg")
    expected = "links to ./luigi.cfg again" if symlinks == "allowed" else "by copies of ./luigi.cfg"
    assert len(said) == 1 and expected in said[0], setup.stdout
    for config in configs:
        assert config.read_text() == (repo / "luigi.cfg").read_text() and config.is_symlink() == (symlinks == "allowed")
    assert run("git status --porcelain", repo).stdout == "", "git sees nothing changed"
    hello = run(find("Basics").command, repo / "solutions" / "Basics")
    assert hello.returncode == 0 and "Hello World" in hello.stdout, hello.stdout


def test_a_checkout_with_windows_line_ends_works_and_an_old_one_is_mended(published, run, tmp_path):
    """git -c core.autocrlf=true clone (Git for Windows' default): .gitattributes keeps LF. A copy that has
    CRLF all the same (an older clone, a zip unpacked on Windows): make mends its shell scripts."""
    assert run("git -c core.autocrlf=true clone -q published clone", tmp_path).returncode == 0
    repo = tmp_path / "clone"
    assert b"\r\n" not in (repo / "tools" / "setup" / "make-venv").read_bytes()
    for script in ("tools/setup/make-venv", "tools/setup/pick-python", "Makefile", "luigi.cfg"):
        (repo / script).write_bytes((repo / script).read_bytes().replace(b"\n", b"\r\n"))
    setup = run("make setup", repo)
    assert setup.returncode == 0 and "Mended tools/setup/make-venv: it had Windows' line ends" in setup.stdout, (
        setup.stdout
    )
    checked = run("make check CHAPTER=Basics", repo)
    assert "1 of 1 chapter done." in checked.stdout and "not found" not in checked.stdout, checked.stdout


# The venv -------------------------------------------------------------------------------


def test_a_venv_whose_python_is_gone_is_made_anew_offline_in_a_folder_with_a_space(tmp_path, run, wheelhouse):
    """Python upgraded or removed: .venv/bin/python points to nothing. Installed from the wheelhouse,
    as the run sheet says, with no network; in a folder with a space; pip told to install --user."""
    repo = copy_of_the_repo(tmp_path / "My Projects" / "luigi-workshop", solved=False)
    python = run("tools/setup/pick-python python3", repo).stdout.strip()
    assert run(f"'{python}' -m venv --without-pip .venv && touch .venv/bin/.installed", repo).returncode == 0
    gone = tmp_path / "uninstalled" / "bin" / "python3"
    for link in (repo / ".venv/bin").iterdir():  # the links to the interpreter that the venv was made with
        if link.is_symlink() and Path(os.readlink(link)).is_absolute():
            link.unlink()
            link.symlink_to(gone)
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "PIP_USER": "1"}
    check = run("make check CHAPTER=Basics", repo, venv=None, **offline)
    assert "0 of 1 chapter done." in check.stdout, check.stdout
    assert lines(check.stdout, "Creating .venv") == [f"Creating .venv anew with {python}: its Python, {gone}, is gone"]
    venv_python = repo / ".venv" / "bin" / "python"
    assert run(f"'{venv_python}' -m pip uninstall -q -y watchfiles", repo).returncode == 0  # a package removed
    setup = run("make setup", repo, venv=None, **offline)
    assert setup.returncode == 0 and "Installing requirements.txt into .venv" in setup.stdout, setup.stdout
    assert run(f"'{venv_python}' -c 'import watchfiles'", repo).returncode == 0, "make setup repaired it"
    assert run("make setup", repo, venv=None, **offline).stdout.splitlines()[-1].startswith("Ready. Activate it")
    console = run("echo 'print(luigi.__name__ * 2)' | make console", repo, venv=None)
    assert console.returncode == 0 and "luigiluigi" in console.stdout, console.stdout


def test_a_venv_without_pip_gets_one(tmp_path, run):
    """uv venv makes a venv without pip, which every command needed. (No index here: setup stops after pip.)"""
    venv = tmp_path / "uv-venv"
    assert run(f"{sys.executable} -m venv --without-pip {venv}", tmp_path).returncode == 0
    result = run(
        "make setup", ROOT, venv=str(venv), PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path), PIP_CONFIG_FILE=os.devnull
    )
    assert f"Giving {venv} the pip it lacks" in result.stdout, result.stdout
    assert run(f"{venv}/bin/python -m pip --version", tmp_path).returncode == 0


@pytest.mark.parametrize("version", ["3.9", "3.14"])
def test_setup_refuses_an_unsupported_python_in_one_line(tmp_path, run, version):
    python = fake_command(tmp_path, f"python{version}", f"echo {version}")
    result = run(f"make setup PYTHON={python}", ROOT, venv=str(tmp_path / "venv"))
    errors = lines(result.stdout, "error:")
    assert result.returncode != 0 and len(errors) == 1 and "needs Python 3.10, 3.11, 3.12 or 3.13" in errors[0], (
        result.stdout
    )
    assert f"={version}" in errors[0] and not (tmp_path / "venv").exists()


def test_a_venv_setting_never_removes_a_folder_that_is_no_venv(repo, run, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("my code\n")
    result = run(f"make check CHAPTER=Basics VENV={project}", repo, venv=None)
    assert result.returncode != 0 and f"{project} is not a virtual environment" in result.stdout, result.stdout
    assert (project / "app.py").read_text() == "my code\n"


def test_a_venv_or_python_exported_for_another_project_is_not_used(repo, run, tmp_path):
    other = tmp_path / "other-project" / "venv"
    planned = run("make -n setup check", repo, venv=None, VENV=str(other), PYTHON="python3.9")
    assert 'tools/setup/make-venv ".venv" requirements.txt python3 python3.13' in planned.stdout, planned.stdout
    assert ".venv/bin/python -m tools.attendee.check" in planned.stdout and str(other) not in planned.stdout
    given = run(f"make -n setup VENV={other} PYTHON=python3.12", repo, venv=None)
    assert f'tools/setup/make-venv "{other}" requirements.txt python3.12' in given.stdout, (
        "on make's command line, they count"
    )


def test_setup_with_a_temporary_folder_that_is_gone_says_so_first(tmp_path, run):
    result = run("make setup", ROOT, venv=str(tmp_path / "venv"), TMPDIR=str(tmp_path / "gone"))
    said = f"error: the temporary folder {tmp_path / 'gone'} (TMPDIR) is missing or not writable, and pip needs one."
    assert result.returncode != 0 and said in result.stdout and not (tmp_path / "venv").exists(), result.stdout


def test_setup_without_network_says_so_and_points_to_the_wheelhouse(tmp_path, run):
    closed = f"http://127.0.0.1:{processes.free_port()}/simple"  # nothing listens there
    offline = {"PIP_INDEX_URL": closed, "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_RETRIES": "1"}
    result = run(
        "make setup", ROOT, venv=str(tmp_path / "venv"), PIP_EXTRA_INDEX_URL=None, PIP_NO_INDEX=None, **offline
    )
    assert result.returncode != 0 and "No matching distribution found" in result.stdout, result.stdout
    said = result.stdout[result.stdout.index("error: pip cannot reach the package index") :]
    assert "PIP_NO_INDEX=1 PIP_FIND_LINKS=$PWD/wheelhouse make setup" in said and "docs/run-sheet.md" in said, said
    sheet = (ROOT / "docs" / "run-sheet.md").read_text()
    assert "PIP_NO_INDEX=1 PIP_FIND_LINKS=$PWD/wheelhouse make setup" in sheet and "-d wheelhouse" in sheet


@pytest.mark.parametrize("system", ["MINGW64_NT-10.0-22631", "CYGWIN_NT-10.0-22631"])
def test_setup_on_windows_without_wsl_says_once_what_does_not_work_there(tmp_path, run, system):
    fake = tmp_path / "windows"
    fake_command(fake, "uname", f"echo {system}")
    old_python = fake_command(fake, "python3.9", "echo 3.9")  # stops setup before it creates a venv
    result = run(
        f"make setup PYTHON={old_python}",
        ROOT,
        venv=str(tmp_path / "venv"),
        PATH=f"{fake}{os.pathsep}{command_env()['PATH']}",
    )
    assert result.returncode != 0 and len(lines(result.stdout, "Windows without WSL")) == 1, result.stdout
    assert "Use WSL, or open the repo in a dev container" in result.stdout
    assert result.stdout.index("Windows") < result.stdout.index("error: this workshop needs Python")


def test_the_commands_work_where_python_leaves_the_current_folder_off_its_path(repo, run):
    """PYTHONSAFEPATH=1 (Python 3.11+), set in some shells' profiles: `python -m tools...` would find no tools/."""
    for command in ("make check CHAPTER=Basics", "make hint", "make clean", "make reset CHAPTER=Basics"):
        result = run(command, repo, PYTHONSAFEPATH="1")
        assert "No module named" not in result.stdout and "Traceback" not in result.stdout, (
            f"{command}:\n{result.stdout}"
        )


# Workers started with spawn, as on macOS -------------------------------------------------

SPAWN = """\
import multiprocessing, os, sys
multiprocessing.set_start_method("spawn", force=True)
with open(os.environ["STARTS"], "a") as starts:
    starts.write(f"{multiprocessing.get_start_method()} {'--multiprocessing-fork' in sys.argv}\\n")
"""


@pytest.mark.parametrize("chapter", ["WordCount", "Visualization"])
def test_the_chapters_run_with_spawned_workers(tmp_path, run, chapter):
    """Every Python process started (the command and its workers) runs sitecustomize.py, which makes
    the workers spawned, Python's only way on Windows and its default on macOS, and counts them."""
    record = find(chapter)
    (tmp_path / "spawn").mkdir()
    (tmp_path / "spawn" / "sitecustomize.py").write_text(SPAWN)
    folder = record.copy(SOLUTIONS, tmp_path / chapter)
    config, scheduler = None, None
    if record.needs_luigid:
        scheduler = luigid.start_on_free_port(tmp_path / "luigid")
        config = scheduler.client_config(tmp_path / "quick.cfg", record.quick)
        for group in (1, 2, 3):  # done beforehand: one task of each kind runs, each in a process spawned for it
            (folder / "dummy-outputs").mkdir(exist_ok=True)
            (folder / "dummy-outputs" / f"merge-{group}.txt").write_text("done beforehand\n")
    command = (
        "python main.py ParallelWordCount --date-interval 2026-W45 --local-scheduler --workers 2"
        if chapter == "WordCount"
        else record.command
    )
    try:
        result = run(command, folder, config, PYTHONPATH=str(tmp_path / "spawn"), STARTS=str(tmp_path / "starts"))
    finally:
        scheduler.stop() if scheduler else None
    started = (tmp_path / "starts").read_text().splitlines()
    assert result.returncode == 0 and {line.split()[0] for line in started} == {"spawn"}, result.stdout
    ran = int(re.search(r"^\* (\d+) ran successfully", result.stdout, re.M).group(1))
    assert sum(line.endswith("True") for line in started) == ran > 2, "each task ran in a spawned process of its own"


def test_the_dev_container_sets_up_the_workshop_and_forwards_the_visualiser():
    config = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())  # plain JSON, no comments
    assert re.fullmatch(r"mcr\.microsoft\.com/devcontainers/python:(\d+-)?3\.1[0-3](-\w+)?", config["image"])
    assert config["postCreateCommand"] == "make setup"
    port = luigi.interface.core().scheduler_port
    assert port in config["forwardPorts"] and config["portsAttributes"][str(port)]["label"] == "luigi visualiser"


def test_help_lists_the_commands(run):
    result = run("make help", ROOT)
    for target in ["setup", "doctor", "check", "hint", "watch", "reset", "clean", "run", "luigid", "test"]:
        assert re.search(rf"^  make {target} +\S", result.stdout, re.M), f"make help should list {target}"
