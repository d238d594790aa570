"""make doctor: each problem planted for real in a fresh copy of the repo (a
Python too old, a venv whose interpreter is gone, a port taken, a temporary
folder that cannot be written, git and make missing, configs checked out
without symlinks), and doctor names it with its fix."""

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_tooling import fake_python
from tools import doctor, luigid
from tools.chapters import CHAPTERS, ROOT, command_env, fresh_repo

CHECKS = 8  # Python, .venv, port, temporary folder, git, make, chapter configs, the shell's settings


def lines(output, status):
    return [line.split(None, 1)[1] for line in output.splitlines() if line.startswith(f"  {status} ")]


def run_doctor(folder, tmp_path, *args, **env):
    """tools.doctor, run directly as where make is missing, for this test run's
    venv (unless args name another), with env's changes to the environment."""
    environment = command_env(tmp_path / "tmp") | env
    return subprocess.run(
        [sys.executable, "-m", "tools.doctor", "--port", str(luigid.free_port()), "--venv", sys.prefix, *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_ready_laptop_gets_all_ok(repo, sh):
    result = sh(f"make doctor PORT={luigid.free_port()}", repo)
    assert result.returncode == 0, result.stdout
    assert len(lines(result.stdout, "ok")) == CHECKS, result.stdout
    assert f"Python {'.'.join(map(str, sys.version_info[:3]))} runs the workshop" in result.stdout
    assert f"has luigi {importlib.metadata.version('luigi')}" in result.stdout
    assert "Ready." in result.stdout


def test_the_interpreters_are_the_makefiles(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^PYTHON = (.+)$", makefile, re.M).group(1) == doctor.PYTHONS


def test_no_supported_python_and_no_venv(tmp_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    for name in doctor.PYTHONS.split():
        fake_python(fakes, "3.9").rename(fakes / name)
    copy = fresh_repo(tmp_path / "repo")
    path = os.pathsep.join([str(fakes), os.environ["PATH"]])
    result = run_doctor(copy, tmp_path, "--venv", str(tmp_path / "none"), PATH=path)
    assert result.returncode == 1
    python, venv = lines(result.stdout, "problem")[:2]
    assert "needs Python 3.10, 3.11, 3.12 or 3.13 (found: python3=3.9" in python
    assert "make setup PYTHON=python3.12" in python
    assert venv.endswith("none is missing: run make setup")


def test_a_venv_whose_python_is_gone(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(tmp_path / "removed" / "python3.12")
    result = run_doctor(fresh_repo(tmp_path / "repo"), tmp_path, "--venv", str(venv))
    assert result.returncode == 1
    assert lines(result.stdout, "problem") == [
        f"{venv} has no working Python ({venv}/bin/python: was Python upgraded or removed?):"
        " run make setup, which makes it anew"
    ]
    assert any(
        line.endswith("is a Python that works: make setup creates " + str(venv) + " with it")
        for line in lines(result.stdout, "ok")
    )


def test_a_venv_without_luigi(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = run_doctor(fresh_repo(tmp_path / "repo"), tmp_path, "--venv", str(venv))
    assert result.returncode == 1
    assert lines(result.stdout, "problem") == [f"luigi is not installed in {venv}: run make setup"]


@pytest.mark.parametrize(
    ("python", "luigi", "problem"),
    [
        ("3.9.18", "3.8.1", "{venv}/bin/python is Python 3.9.18, and the workshop needs 3.10 to 3.13"),
        ("3.12.4", "3.5.0", "{venv} has luigi 3.5.0, and the workshop needs {needs}: run make setup"),
    ],
    ids=["old Python", "old luigi"],
)
def test_a_venv_with_the_wrong_versions(tmp_path, python, luigi, problem):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"  # answers what doctor asks a venv's Python: its version, then luigi's
    fake.write_text(f"#!/bin/sh\necho {python}\necho {luigi}\n")
    fake.chmod(0o755)
    result = run_doctor(fresh_repo(tmp_path / "repo"), tmp_path, "--venv", str(venv))
    assert result.returncode == 1
    needs = re.search(r"^luigi\S+", (ROOT / "requirements.txt").read_text(), re.M)[0]
    assert lines(result.stdout, "problem")[0].startswith(problem.format(venv=venv, needs=needs))


def test_the_port_held_by_another_program_is_named(repo, sh, tmp_path):
    port = luigid.free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket, sys, time\n"
            f"s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(); print('listening', flush=True)\n"
            "time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline() == "listening\n"
        name = (Path("/proc") / str(server.pid) / "comm").read_text().strip()
        result = sh(f"make doctor PORT={port}", repo)
    finally:
        server.kill()
        server.wait()
    assert result.returncode != 0
    assert lines(result.stdout, "problem") == [
        f"port {port} is taken by {name} (pid {server.pid}), not by a luigid, and chapter 6 needs it: stop that"
        f" program, or give luigid another port: make luigid PORT={port + 1}, then"
        f" python main.py --workers 4 --scheduler-port {port + 1}"
    ]


def test_settings_made_for_other_projects_are_named_with_their_fix(repo, sh, tmp_path):
    """A corporate proxy, another project's luigi first on PYTHONPATH, warnings made errors, a luigi setting."""
    other = tmp_path / "other-project"
    (other / "luigi").mkdir(parents=True)
    (other / "luigi" / "__init__.py").write_text("raise ImportError('luigi 2.8 of another project')\n")
    proxy = f"http://127.0.0.1:{luigid.free_port()}"
    settings = {"HTTP_PROXY": proxy, "no_proxy": "intranet.example", "NO_PROXY": "", "PYTHONPATH": str(other)}
    settings |= {"PYTHONWARNINGS": "e", "LUIGI_CONFIG_PARSER": "toml", "LUIGI_HOME": "/opt/luigi"}  # e: error
    result = run_doctor(repo, tmp_path, **settings)
    assert result.returncode == 1, result.stdout
    problems, warnings = "\n".join(lines(result.stdout, "problem")), lines(result.stdout, "warning")
    assert f"HTTP_PROXY is set ({proxy}) and no_proxy leaves out localhost" in problems, result.stdout
    assert "Run: export no_proxy=intranet.example,localhost,127.0.0.1\n" in problems + "\n", "kept, and added to"
    assert f"python imports luigi from {other / 'luigi'}, not from {sys.prefix}: unset PYTHONPATH" in problems
    assert "PYTHONWARNINGS=e turns warnings into errors" in problems, result.stdout
    assert warnings == [
        "LUIGI_CONFIG_PARSER=toml is set, and luigi reads it: the chapters may not run as their pages show"
        " (make check sets it aside). Run: unset LUIGI_CONFIG_PARSER"
    ], "LUIGI_HOME is none of luigi's"
    harmless = {"no_proxy": "localhost", "PYTHONWARNINGS": "error::DeprecationWarning,ignore::UserWarning:myerrorlib"}
    clean = run_doctor(repo, tmp_path, http_proxy=proxy, **harmless)
    assert "no setting of this shell or machine changes what luigi does" in clean.stdout, clean.stdout
    (repo / "luigi").mkdir()  # a folder of the attendee's in the repo, which python -m finds first
    (repo / "luigi" / "__init__.py").write_text("")
    shadowed = sh(f"make doctor PORT={luigid.free_port()}", repo)
    said = [line for line in lines(shadowed.stdout, "problem") if line.startswith("python imports luigi from luigi,")]
    assert len(said) == 1 and said[0].endswith(": rename or move luigi"), shadowed.stdout


def test_a_luigi_config_of_the_whole_machine_is_named(monkeypatch, tmp_path):
    machine = tmp_path / "etc-luigi.cfg"
    monkeypatch.setattr(doctor.chapters, "SYSTEM_CONFIGS", (tmp_path / "none.cfg", machine))

    def said():  # of the machine's configs (this test's own process has LUIGI_CONFIG_PATH set)
        return [(status, m) for status, m in doctor.environment_check(Path(sys.prefix)) if "luigi also reads" in m]

    assert said() == []
    machine.write_text("[worker]\nkeep_alive = true\n")
    [(status, message)] = said()
    assert status == doctor.WARNING and message.startswith(f"luigi also reads {machine}, before"), message


def test_a_luigid_on_the_port_is_fine(repo, sh, luigid):
    result = sh(f"make doctor PORT={luigid.port}", repo)
    assert result.returncode == 0, result.stdout
    assert f"port {luigid.port}: a luigid (pid {luigid.pid}) answers there, not started by make luigid" in result.stdout


def test_the_luigid_of_make_luigid_is_recognised(repo, sh):
    port = luigid.free_port()
    assert sh(f"make luigid PORT={port}", repo).returncode == 0
    try:
        result = sh(f"make doctor PORT={port}", repo)
        started = luigid.running(repo / ".luigid")
    finally:
        sh("make luigid-stop", repo)
    assert result.returncode == 0, result.stdout
    assert f"port {port}: the luigid that make luigid started (pid {started.pid}) answers there" in result.stdout


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_a_temporary_folder_that_cannot_be_written(tmp_path, kind):
    folder = tmp_path / "temporary"
    if kind == "a file":
        folder.write_text("not a folder\n")
    result = run_doctor(fresh_repo(tmp_path / "repo"), tmp_path, TMPDIR=str(folder))
    assert result.returncode == 1
    assert lines(result.stdout, "problem") == [
        f"the temporary folder {folder} is not writable"
        f" ({'No such file or directory' if kind == 'missing' else 'Not a directory'}):"
        " point TMPDIR at a folder you can write to, e.g. export TMPDIR=/tmp"
    ]


@pytest.mark.parametrize("clone", [True, False], ids=["git clone", "zip download"])
def test_git_and_make_missing(repo, tmp_path, clone):
    if not clone:
        repo = fresh_repo(tmp_path / "zip")
    only_python = tmp_path / "bin"
    only_python.mkdir()
    (only_python / "python3").symlink_to(sys.executable)
    result = run_doctor(repo, tmp_path, PATH=str(only_python))
    assert result.returncode == 1
    problems, warnings = lines(result.stdout, "problem"), lines(result.stdout, "warning")
    assert any(line.startswith("make is not installed") and "sudo apt install make" in line for line in problems)
    if clone:
        assert "git is not installed, and this copy is a git clone: install git (https://git-scm.com)" in problems
        assert warnings == []
    else:
        assert len(problems) == 1, "git is only a warning for a copy without .git"
        assert warnings == ["git is not installed; this copy has no .git (a zip download?), the chapters run without"]


def test_chapter_configs_checked_out_without_symlinks(repo, sh, tmp_path):
    clone = tmp_path / "clone"
    assert sh(f"git -c core.symlinks=false clone -q {repo} {clone}", tmp_path).returncode == 0
    stub = clone / CHAPTERS[0].name / "luigi.cfg"
    assert not stub.is_symlink() and stub.read_text() == "../luigi.cfg", "what Git for Windows checks out"
    result = run_doctor(clone, tmp_path)
    assert result.returncode == 1
    assert lines(result.stdout, "problem") == [
        f"{2 * len(CHAPTERS)} chapter configs are one-line text files, not links (e.g. {CHAPTERS[0].name}/luigi.cfg"
        " holds ../luigi.cfg): git checked them out without symlinks (core.symlinks=false, as Git for Windows"
        " does). Run make setup to repair them"
    ]


def test_a_missing_chapter_config_gets_its_link_command(tmp_path):
    copy = fresh_repo(tmp_path / "repo")
    (copy / "solutions" / CHAPTERS[2].name / "luigi.cfg").unlink()
    result = run_doctor(copy, tmp_path)
    assert lines(result.stdout, "problem") == [
        f"solutions/{CHAPTERS[2].name}/luigi.cfg is missing: put the link back:"
        f" ln -sf ../../luigi.cfg solutions/{CHAPTERS[2].name}/luigi.cfg"
    ]


@pytest.mark.parametrize(
    ("system", "platform", "msystem"),
    [("Windows", "win32", None), ("MSYS_NT-10.0", "msys", None), ("Linux", "linux", "MINGW64")],
    ids=["native", "MSYS2", "Git Bash"],
)
def test_windows_without_wsl_is_told_once_to_use_wsl(monkeypatch, system, platform, msystem):
    monkeypatch.setattr(doctor.platform, "system", lambda: system)
    monkeypatch.setattr(doctor.sys, "platform", platform)
    if msystem:
        monkeypatch.setenv("MSYSTEM", msystem)
    [(status, message)] = doctor.windows()
    assert status == "problem"
    assert "luigi cannot run more than one worker process here" in message
    assert "Use WSL" in message and "dev container" in message


def test_linux_and_wsl_are_not_windows(monkeypatch):
    monkeypatch.delenv("MSYSTEM", raising=False)
    assert doctor.windows() == [], "WSL's Python says Linux, as here"


@pytest.mark.parametrize("port", ["70000", "0", "-1", "abc"])
def test_a_port_that_is_no_port_is_one_clear_line(tmp_path, port):
    result = run_doctor(ROOT, tmp_path, "--port", port)  # the last --port wins, as make doctor PORT=... gives it
    assert result.returncode == 2
    assert result.stderr == f"error: PORT must be a whole number from 1 to 65535, not {port!r}.\n", result.stderr
