"""make doctor: each problem planted for real, and named with its fix. The
checks run in this process, one by one; `make doctor` itself runs as typed,
once on a ready laptop and once with a port that is no port."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tools import luigid, processes
from tools.instructor import doctor


def statuses(results):
    return [status for status, _ in results]


def messages(results, status="problem"):
    return [message for kind, message in results if kind == status]


def fake_python(path, version, answers=""):
    """An interpreter that says it is `version`, and answers a venv's questions with answers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'#!/bin/sh\ncase "$*" in *version_info*) echo {version} ;; *platform*) echo {version}.0 ;; esac\n{answers}'
    )
    path.chmod(0o755)
    return path


def test_a_ready_laptop_gets_all_ok(repo, sh):
    result = sh(f"make doctor PORT={processes.free_port()}", repo)
    assert result.returncode == 0 and "Ready." in result.stdout, result.stdout
    assert "problem" not in result.stdout and "warning" not in result.stdout, result.stdout
    assert f"Python {'.'.join(map(str, sys.version_info[:3]))})" in result.stdout


def test_a_port_that_is_no_port_is_one_clear_line(repo, sh):
    result = sh("make doctor PORT=abc", repo)
    assert result.returncode != 0 and "error: PORT must be a whole number from 1 to 65535, not 'abc'." in result.stdout


def test_no_python_that_runs_the_workshop(tmp_path):
    old = fake_python(tmp_path / "bin" / "python3.9", "3.9")
    [(status, said)] = doctor.python_check(tmp_path / "no-venv", [str(old)])
    assert status == "problem" and "needs Python 3.10, 3.11, 3.12 or 3.13 (found:" in said and "=3.9" in said


def test_a_venv_whose_python_is_gone_or_has_no_pip_or_misses_a_package(tmp_path):
    venv = tmp_path / "venv"
    assert messages(doctor.venv_check(venv)) == [f"{venv} is missing: run make setup"]
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(tmp_path / "removed" / "python3.12")
    assert "has no working Python (was Python upgraded or removed?)" in messages(doctor.venv_check(venv))[0]
    (venv / "bin" / "python").unlink()
    fake_python(
        venv / "bin" / "python", "3.12", 'case "$*" in *"pip --version"*) exit 1 ;; esac\n'
    )  # as uv venv makes it
    assert (
        "has no pip (made by uv?): run make setup, which installs pip into it" in messages(doctor.venv_check(venv))[0]
    )
    fake_python(venv / "bin" / "python", "3.12", 'case "$*" in *dry-run*) echo "Would install tornado-6.5.2" ;; esac\n')
    [said] = messages(doctor.venv_check(venv))
    assert said == f"{venv} misses what the workshop needs (tornado-6.5.2): run make setup", said


def test_the_port_check_names_who_holds_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        [(status, said)] = doctor.port_check(taken.getsockname()[1])
    assert status == "problem" and f"is taken by python (pid {os.getpid()}), which does not answer as a luigid" in said
    other = luigid.start_on_free_port(tmp_path / "other")
    try:
        [(status, said)] = doctor.port_check(other.port)
        assert status == "ok" and "a luigid (python (pid" in said and "not started by make luigid" in said
        os.kill(other.pid, signal.SIGSTOP)  # Ctrl-Z in its terminal: it holds the port, and answers nothing
        [(status, said)] = doctor.port_check(other.port)
        assert status == "problem" and "does not answer as a luigid" in said, said
    finally:
        os.kill(other.pid, signal.SIGCONT)
        other.stop()
    assert doctor.port_check(other.port)[0][0] == "ok"


def test_a_folder_that_cannot_be_written_or_is_full(tmp_path, monkeypatch, immutable):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "gone"))
    assert (
        "the temporary folder" in messages(doctor.tmp_check())[0] and "not writable" in messages(doctor.tmp_check())[0]
    )
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    (tmp_path / "luigi").mkdir()
    immutable(tmp_path / "luigi")
    assert "luigi's lock folder" in messages(doctor.tmp_check())[0]
    read_only = tmp_path / "repo"
    read_only.mkdir()
    immutable(read_only)
    monkeypatch.setattr(doctor, "ROOT", read_only)
    assert "this repo's folder is not writable" in messages(doctor.repo_check())[0]
    monkeypatch.setattr(doctor, "ROOT", tmp_path)
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _: type("usage", (), {"free": 160 * 1024})())
    assert "has 0 MB free" in messages(doctor.repo_check())[0]


def test_git_and_make_missing(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    said = messages(doctor.tools_check())
    assert any("git is not installed, and this copy is a git clone" in line for line in said)
    assert any("make is not installed" in line and "sudo apt install make" in line for line in said)


def test_chapter_folders_and_their_configs(repo, monkeypatch):
    monkeypatch.setattr(doctor, "ROOT", repo)
    assert doctor.configs_check() == [("ok", "every chapter folder is there, with its link to luigi.cfg")]
    (repo / "Basics" / "luigi.cfg").unlink()
    (repo / "Basics" / "luigi.cfg").write_text("../luigi.cfg\n")  # git without symlinks
    (repo / "Parameters").rename(repo / "Parameters-old")  # renamed by mistake
    (repo / "Dependencies" / "luigi.cfg").unlink()
    said = messages(doctor.configs_check())
    assert said[0] == "the chapter folder Parameters/ is missing (renamed?): git checkout -- Parameters brings it back"
    assert "1 chapter configs are one-line text files, not links" in said[1] and "Run make setup" in said[1]
    assert "Dependencies/luigi.cfg is missing: put the link back: ln -sf ../luigi.cfg" in said[2]
    assert not any("Parameters/luigi.cfg" in line for line in said), "no advice for a folder that is gone"


def test_what_a_killed_command_left_is_named(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    monkeypatch.setattr(processes, "SCRATCH", scratch)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (scratch / f"check-{gone.stdout.strip()}-1.00").mkdir(parents=True)  # its owner ended: a make check killed
    [said] = messages(doctor.leftovers_check(), "warning")
    assert "1 scratch folders in .workshop/scratch/ from stopped commands" in said and "make clean" in said


def test_settings_of_the_shell_made_for_other_projects(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    for name, value in {"PYTHONWARNINGS": "e", "PYTHONSAFEPATH": "1", "LUIGI_CONFIG_PATH": "/x.cfg"}.items():
        monkeypatch.setenv(name, value)
    said = " ".join(message for _, message in doctor.environment_check(Path(sys.prefix)))
    for fix in (
        "export no_proxy=localhost,127.0.0.1",
        "unset PYTHONWARNINGS",
        "unset PYTHONSAFEPATH",
        "unset LUIGI_CONFIG_PATH",
    ):
        assert fix in said, fix
    assert not doctor.warnings_made_errors("ignore,default::DeprecationWarning")


@pytest.mark.parametrize("setting", [{"MSYSTEM": "MINGW64"}, {}], ids=["Git Bash", "Linux"])
def test_windows_without_wsl_is_told_once_to_use_wsl(monkeypatch, setting):
    monkeypatch.delenv("MSYSTEM", raising=False)
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    assert len(doctor.windows()) == len(setting) and all("Use WSL" in message for _, message in doctor.windows())
