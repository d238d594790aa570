"""`make luigid` and `make luigid-stop` (tools/luigid.py), as an attendee
meets them: twice, on a taken port, after a crash."""

import socket
import subprocess
import sys

import pytest

from tools import luigid
from tools.chapters import ROOT


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tools.luigid", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_start_binds_localhost_only_and_stop_ends_exactly_that_process(tmp_path):
    started = luigid.start_on_free_port(tmp_path)
    try:
        assert luigid.running(tmp_path).pid == started.pid
        assert started.api("task_list", status="") == {}
        with socket.socket() as probe:  # nothing answers on the machine's other addresses
            probe.settimeout(1)
            other = socket.gethostbyname(socket.gethostname())
            if not other.startswith("127."):
                assert probe.connect_ex((other, started.port)) != 0, "luigid must listen on 127.0.0.1 only"
    finally:
        assert luigid.stop(tmp_path).pid == started.pid
    assert started.process.poll() is not None, "luigid should have stopped"
    assert not luigid.pidfile(tmp_path).exists()
    assert (tmp_path / "state.pickle").exists(), "luigid saves its state when it stops"


def test_starting_twice_says_so_instead_of_a_traceback(tmp_path):
    port = luigid.free_port()
    first = cli("start", "--folder", str(tmp_path), "--port", str(port))
    try:
        assert first.returncode == 0, first.stderr
        assert f"Open http://localhost:{port}/ in your browser." in first.stdout
        second = cli("start", "--folder", str(tmp_path), "--port", str(port))
        assert second.returncode == 1
        assert "luigid is already running" in second.stderr and "make luigid-stop" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        stopped = cli("stop", "--folder", str(tmp_path))
    assert stopped.stdout.startswith("Stopped luigid (pid ")
    assert cli("stop", "--folder", str(tmp_path)).stdout == "No luigid was running: nothing to stop.\n"


def test_a_taken_port_is_explained(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("start", "--folder", str(tmp_path), "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} is taken by another program" in result.stderr
    assert f"make luigid PORT={port + 1}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not luigid.pidfile(tmp_path).exists()


@pytest.mark.parametrize("content", ["999999999 8082\n", "garbage\n", f"1 {8082}\n"])
def test_a_stale_pid_file_does_not_block_a_restart(tmp_path, content):
    """Left by a crash or a reboot: a pid that is gone, unreadable, or some other program's (pid 1)."""
    luigid.pidfile(tmp_path).write_text(content)
    assert luigid.running(tmp_path) is None
    started = luigid.start_on_free_port(tmp_path)
    started.stop()
