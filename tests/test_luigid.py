"""`make luigid` and `make luigid-stop` (tools/luigid.py), as an attendee
meets them: twice, on a taken port, after a crash, with a port that is no
port; and what luigid itself does: where it listens, what it reads."""

import configparser
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools import luigid
from tools.chapters import ROOT, command_env, fresh_repo


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tools.luigid", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_start_binds_localhost_only_and_stop_ends_exactly_that_process(tmp_path):
    started = luigid.start_on_free_port(tmp_path)
    try:
        assert luigid.running(tmp_path).pid == started.pid
        assert started.api("task_list", status="") == {}
        other = non_loopback_address()
        if other:  # nothing answers on the machine's other addresses
            with socket.socket() as probe:
                probe.settimeout(1)
                assert probe.connect_ex((other, started.port)) != 0, "luigid must listen on 127.0.0.1 only"
    finally:
        assert luigid.stop(tmp_path).pid == started.pid
    assert started.process.poll() is not None, "luigid should have stopped"
    assert not luigid.pidfile(tmp_path).exists()
    assert (tmp_path / "state.pickle").exists(), "luigid saves its state when it stops"


def test_starting_twice_is_fine_and_on_another_port_says_so(tmp_path):
    port, other = luigid.free_port(), luigid.free_port()
    first = cli("start", "--folder", str(tmp_path), "--port", str(port))
    try:
        assert first.returncode == 0, first.stderr
        assert f"Open http://localhost:{port}/ in your browser." in first.stdout
        pid = luigid.running(tmp_path).pid
        second = cli("start", "--folder", str(tmp_path), "--port", str(port))
        assert second.returncode == 0, second.stderr
        assert second.stdout.startswith(f"luigid is already running in the background (pid {pid})"), second.stdout
        assert f"Open http://localhost:{port}/ in your browser." in second.stdout
        assert luigid.running(tmp_path).pid == pid, "the same luigid, not a second one"
        elsewhere = cli("start", "--folder", str(tmp_path), "--port", str(other))
        assert elsewhere.returncode == 1
        assert f"luigid is already running (pid {pid}), at http://localhost:{port}/, not on port {other}." in (
            elsewhere.stderr
        )
        assert "make luigid-stop" in elsewhere.stderr and "Traceback" not in elsewhere.stderr
    finally:
        stopped = cli("stop", "--folder", str(tmp_path))
    assert stopped.stdout.startswith("Stopped luigid (pid ")
    assert cli("stop", "--folder", str(tmp_path)).stdout == "No luigid was running: nothing to stop.\n"


def test_two_starts_at_the_same_instant_make_one_luigid(tmp_path, processes_mentioning):
    port = luigid.free_port()
    command = [sys.executable, "-m", "tools.luigid", "start", "--folder", str(tmp_path), "--port", str(port)]
    starts = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)]
    starts.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        said = sorted(start.communicate(timeout=60)[0] for start in starts)
        assert [start.returncode for start in starts] == [0, 0], said
        running = luigid.running(tmp_path)
        assert said[0].startswith(f"luigid is already running in the background (pid {running.pid})"), said
        assert said[1].startswith(f"luigid is running in the background (pid {running.pid})"), said
        assert [c for c in processes_mentioning(str(tmp_path)) if "--state-path" in c] != [], "it runs"
        assert len([c for c in processes_mentioning(str(tmp_path)) if "--state-path" in c]) == 1, "only one"
    finally:
        stopped = cli("stop", "--folder", str(tmp_path))
    assert stopped.stdout.startswith("Stopped luigid (pid "), stopped.stdout
    assert not [c for c in processes_mentioning(str(tmp_path)) if "--state-path" in c], "nothing left running"


def test_a_luigid_of_another_folder_on_the_port_is_named_with_how_to_stop_it(tmp_path):
    other = luigid.start_on_free_port(tmp_path / "another-clone")
    try:
        result = cli("start", "--folder", str(tmp_path / "this-clone"), "--port", str(other.port))
    finally:
        other.stop()
    assert result.returncode == 1
    assert f"port {other.port} is taken by luigid (pid {other.pid}), which this repo's `make luigid`" in result.stderr
    assert f"Stop it with `kill {other.pid}`, or pick another port" in result.stderr, result.stderr


def test_a_luigid_of_root_after_sudo_is_named_with_what_to_run(tmp_path, monkeypatch, capsys):
    """sudo make luigid, then make luigid-stop or make luigid as the attendee:
    the luigid and .luigid/ are root's, and this user may neither signal the
    one nor write into the other. (The tests run as root: the refusal is played.)"""
    started = luigid.start_on_free_port(tmp_path)
    try:
        with monkeypatch.context() as refused:
            real_kill = luigid.os.kill

            def kill(pid, number):
                if pid == started.pid:
                    raise PermissionError(1, "Operation not permitted")
                real_kill(pid, number)

            refused.setattr(luigid.os, "kill", kill)
            assert luigid.main(["stop", "--folder", str(tmp_path)]) == 1
            said = capsys.readouterr().err
            assert "and its luigid belong to root (made with sudo?)" in said, said
            assert said.rstrip().endswith("Run: sudo make luigid-stop; sudo chown -R $USER ."), said  # in tmp_path
            assert started.process.poll() is None and luigid.pidfile(tmp_path).exists(), "nothing was changed"

            def locked(folder):
                raise PermissionError(13, "Permission denied", str(folder / "start.lock"))

            refused.setattr(luigid, "one_start_at_a_time", locked)
            assert luigid.main(["start", "--folder", str(tmp_path)]) == 1
            assert "Traceback" not in capsys.readouterr().err
    finally:
        started.stop()  # this very process, whatever became of its pid file


def test_a_taken_port_is_explained(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("start", "--folder", str(tmp_path), "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} is taken by " in result.stderr
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


def test_stop_spares_a_process_that_only_mentions_the_folder(tmp_path):
    """The pid in the pid file may now be another program's: one whose
    command line names the folder (tail -f on the log), or a luigid of another folder."""
    luigid.logfile(tmp_path).write_text("")
    tail = subprocess.Popen(["tail", "-f", str(luigid.logfile(tmp_path))])
    other = luigid.start_on_free_port(tmp_path / "other")
    try:
        for pid in [tail.pid, other.pid]:
            luigid.pidfile(tmp_path).write_text(f"{pid} {other.port}\n")
            assert cli("stop", "--folder", str(tmp_path)).stdout == "No luigid was running: nothing to stop.\n"
            assert not luigid.pidfile(tmp_path).exists(), "the stale pid file is removed"
        time.sleep(0.5)  # a signal, had one been sent, has arrived by now
        assert tail.poll() is None, "tail must not be killed"
        assert other.process.poll() is None, "another folder's luigid must not be stopped"
        assert luigid.running(tmp_path / "other").pid == other.pid
    finally:
        tail.kill()
        tail.wait()
        other.stop()


def make_luigid(port, repo, tmp_path):
    """`make luigid PORT=...` as typed in repo, its errors apart from its output."""
    env = command_env(tmp_path / "tmp")
    return subprocess.run(f"make luigid PORT={port}", shell=True, cwd=repo, env=env, capture_output=True, text=True)


def test_a_port_that_is_no_port_is_refused_in_one_line(tmp_path):
    repo = fresh_repo(tmp_path / "repo", solved=False)
    try:
        for port in ["0", "70000", "-1", "abc"]:
            result = make_luigid(port, repo, tmp_path)
            assert result.returncode != 0, result.stdout
            assert result.stderr.splitlines()[0] == f"error: PORT must be a whole number from 1 to 65535, not '{port}'."
            assert len([line for line in result.stderr.splitlines() if not line.startswith("make")]) == 1
            assert luigid.running(repo / ".luigid") is None, "nothing may start"
    finally:
        luigid.stop(repo / ".luigid")


def test_a_port_held_by_another_http_server_names_it(tmp_path):
    port = luigid.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while luigid.port_is_free(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        result = cli("start", "--folder", str(tmp_path / "luigid"), "--port", str(port))
    finally:
        server.terminate()
        server.wait()
    assert result.returncode == 1
    assert f"port {port} is taken by python" in result.stderr and f"(pid {server.pid})" in result.stderr, result.stderr


def test_make_luigid_reads_the_workshops_configuration(tmp_path):
    """[resources] (and [scheduler]) apply where the scheduler runs: luigid
    must read the repo's luigi.cfg, as `make luigid` starts it."""
    repo = fresh_repo(tmp_path / "repo", solved=False)
    config = configparser.ConfigParser(interpolation=None)
    config.read(repo / "luigi.cfg")
    config["resources"] = {"sqlite": "2"}
    with open(repo / "luigi.cfg", "w") as file:
        config.write(file)
    port = luigid.free_port()
    started = make_luigid(port, repo, tmp_path)
    try:
        assert started.returncode == 0, started.stderr
        resources = luigid.running(repo / ".luigid").api("resource_list")
    finally:
        luigid.stop(repo / ".luigid")
    assert [(r["name"], r["num_total"]) for r in resources] == [("sqlite", 2)]


def test_start_takes_the_configuration_luigid_reads(tmp_path):
    config = tmp_path / "scheduler.cfg"
    config.write_text("[resources]\nsqlite = 3\n\n[scheduler]\nstable_done_cooldown_secs = 4\n")
    started = luigid.start(tmp_path / "luigid", luigid.free_port(), config=config)
    try:
        assert [(r["name"], r["num_total"]) for r in started.api("resource_list")] == [("sqlite", 3)]
        assert started.setting("stable_done_cooldown_secs", config) == "4"
    finally:
        started.stop()


def non_loopback_address():
    """An IPv4 address of this machine that is not 127.x, or None. Connecting a
    UDP socket only picks the route: it sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, contextlib.suppress(OSError):
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1, never routed to anyone
        if not probe.getsockname()[0].startswith("127."):
            return probe.getsockname()[0]
    listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return next((a for a in listed if "." in a and not a.startswith("127.")), None)


def test_a_plain_luigid_listens_on_every_interface(tmp_path):
    """luigid without --address is reachable from the network: why the
    workshop always passes --address 127.0.0.1."""
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no network address but loopback")
    command = [str(Path(sys.executable).with_name("luigid")), "--state-path", str(tmp_path / "state.pickle")]
    port = luigid.free_port()
    plain = subprocess.Popen([*command, "--port", str(port)], cwd=tmp_path, stderr=subprocess.DEVNULL)
    try:
        url = f"http://{address}:{port}/api/task_list?data={{}}"
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to this machine
        deadline = time.monotonic() + 30
        while True:
            try:
                with no_proxy.open(url, timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert plain.poll() is None, "luigid did not start"
                assert time.monotonic() < deadline, f"luigid does not answer on {address}"
                time.sleep(0.1)
    finally:
        plain.terminate()
        plain.wait(timeout=15)
