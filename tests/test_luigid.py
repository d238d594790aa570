"""`make luigid` and `make luigid-stop` (tools/luigid.py), as an attendee meets
them: twice, on a taken port, after a crash, in a moved repo, with a port
that is no port; and what the workshop's luigid does: where it listens, what
it reads, which requests it refuses."""

import configparser
import contextlib
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tools import luigid, processes
from tools.paths import ROOT


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "tools.luigid", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_start_listens_on_localhost_only_and_stop_ends_exactly_that_process(tmp_path):
    started = luigid.start_on_free_port(tmp_path)
    try:
        assert luigid.running(tmp_path).pid == started.pid and started.api("task_list", status="") == {}
        addresses = {
            c.laddr.ip for c in __import__("psutil").Process(started.pid).net_connections("tcp") if c.status == "LISTEN"
        }
        assert addresses and addresses <= {"127.0.0.1", "::1"}, addresses
    finally:
        assert luigid.stop(tmp_path).pid == started.pid
    started.process.wait(timeout=10)  # it ends (it may still be exiting when it stops counting as alive)
    assert not luigid.pid_file(tmp_path).exists()
    assert (tmp_path / "state.pickle").exists(), "luigid saves its state when it stops"


def test_starting_twice_is_fine_and_on_another_port_says_so(tmp_path):
    port, other = processes.free_port(), processes.free_port()
    first = cli("start", "--folder", str(tmp_path), "--port", str(port))
    try:
        assert first.returncode == 0, first.stderr
        assert f"Open http://localhost:{port}/ in your browser." in first.stdout
        assert (
            f"On port {port}, the workers need to be told: python main.py --workers 4 --scheduler-port {port}"
            in first.stdout
        )
        pid = luigid.running(tmp_path).pid
        second = cli("start", "--folder", str(tmp_path), "--port", str(port))
        assert second.stdout.startswith(f"luigid is already running in the background (pid {pid})"), second.stdout
        elsewhere = cli("start", "--folder", str(tmp_path), "--port", str(other))
        assert elsewhere.returncode == 1 and "Traceback" not in elsewhere.stderr
        assert (
            f"luigid is already running (pid {pid}), at http://localhost:{port}/, not on port {other}."
            in elsewhere.stderr
        )
    finally:
        stopped = cli("stop", "--folder", str(tmp_path))
    assert stopped.stdout.startswith("Stopped luigid (pid ")
    assert cli("stop", "--folder", str(tmp_path)).stdout == "No luigid was running: nothing to stop.\n"


def test_two_starts_at_the_same_instant_make_one_luigid(tmp_path, left_running):
    command = [
        sys.executable,
        "-m",
        "tools.luigid",
        "start",
        "--folder",
        str(tmp_path),
        "--port",
        str(processes.free_port()),
    ]
    starts = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    try:
        said = sorted(start.communicate(timeout=60)[0] for start in starts)
        running = luigid.running(tmp_path)
        assert said[0].startswith(f"luigid is already running in the background (pid {running.pid})"), said
        assert said[1].startswith(f"luigid is running in the background (pid {running.pid})"), said
        assert len(left_running(tmp_path, wait=0)) == 1, "only one"
    finally:
        cli("stop", "--folder", str(tmp_path))
    assert left_running(tmp_path) == [], "nothing left running"


def test_the_luigid_of_a_moved_repo_is_still_found_and_stopped(tmp_path):
    """Known by its pid and its start time, kept in its folder: not by a path that moved."""
    folder = tmp_path / "repo" / ".luigid"
    started = luigid.start_on_free_port(folder)
    try:
        (tmp_path / "repo").rename(tmp_path / "repo-renamed")
        stopped = cli("stop", "--folder", str(tmp_path / "repo-renamed" / ".luigid"))
        assert stopped.stdout == f"Stopped luigid (pid {started.pid}).\n", stopped.stdout
        assert not processes.alive(started.pid, started.started)
    finally:
        started.stop()


def test_a_luigid_of_another_folder_on_the_port_is_named_with_how_to_stop_it(tmp_path):
    other = luigid.start_on_free_port(tmp_path / "another-clone")
    try:
        result = cli("start", "--folder", str(tmp_path / "this-clone"), "--port", str(other.port))
    finally:
        other.stop()
    assert result.returncode == 1
    assert f"port {other.port} is taken by a luigid (python (pid {other.pid})) that this repo's" in result.stderr, (
        result.stderr
    )
    assert f"Stop it with `kill {other.pid}`, or pick another port" in result.stderr


def two_ports_in_a_row(family, address):
    """Two listening sockets on ports n and n + 1 (Linux hands out even ports to bind(0), and often
    odd ones to connections: n + 1 may be in use, so try again)."""
    for _ in range(50):
        first, second = socket.socket(family), socket.socket(family)
        try:
            first.bind((address, 0))
            second.bind((address, first.getsockname()[1] + 1))
        except OSError:
            first.close()
            second.close()
            continue
        first.listen()
        second.listen()
        return first, second
    raise AssertionError("found no two free ports in a row")


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_a_port_taken_on_either_loopback_is_explained(tmp_path, address):
    """A browser may try ::1 first for localhost: another program there would answer instead of luigid."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            pytest.skip(f"this machine has no {address}")
    taken, next_one = two_ports_in_a_row(family, address)  # the port after it is taken too: the suggestion skips it
    with taken, next_one:
        port = taken.getsockname()[1]
        result = cli("start", "--folder", str(tmp_path), "--port", str(port))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"port {port} is taken by python (pid " in result.stderr, result.stderr
    suggested = int(re.search(r"make luigid PORT=(\d+)`, and give the workers the same one", result.stderr)[1])
    assert suggested > port + 1 and f"--scheduler-port {suggested}" in result.stderr, result.stderr
    assert not luigid.pid_file(tmp_path).exists()


@pytest.mark.parametrize("content", ["999999999 8082 1.0\n", "garbage\n", "1 8082 0.0\n"])
def test_a_stale_pid_file_does_not_block_a_restart(tmp_path, content):
    """Left by a crash or a reboot: a pid that is gone, unreadable, or some other program's now (pid 1)."""
    luigid.pid_file(tmp_path).write_text(content)
    assert luigid.running(tmp_path) is None
    luigid.start_on_free_port(tmp_path).stop()


def test_stop_spares_another_process_with_the_pid(tmp_path):
    """The pid in a pid file may be another program's by now: its start time tells it apart."""
    tail = subprocess.Popen(["sleep", "60"])
    try:
        luigid.pid_file(tmp_path).write_text(f"{tail.pid} 8082 {processes.started_at(tail.pid) + 5:.2f}\n")
        assert cli("stop", "--folder", str(tmp_path)).stdout == "No luigid was running: nothing to stop.\n"
        time.sleep(0.3)
        assert tail.poll() is None and not luigid.pid_file(tmp_path).exists()
    finally:
        tail.kill()
        tail.wait()


def test_a_port_that_is_no_port_is_refused_in_one_line(repo, sh):
    for port in ["0", "70000", "abc"]:
        result = sh(f"make luigid PORT={port}", repo)
        assert (
            result.returncode != 0
            and f"error: PORT must be a whole number from 1 to 65535, not '{port}'." in result.stdout
        )
        assert len([line for line in result.stdout.splitlines() if not line.startswith("make")]) == 1, result.stdout
    assert luigid.running(repo / ".luigid") is None


def test_make_luigid_in_a_read_only_repo_says_so(repo, sh, immutable):
    immutable(repo)
    result = sh(f"make luigid PORT={processes.free_port()}", repo)
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout
    assert "error: cannot write luigid's files in .luigid/:" in result.stdout, result.stdout


def test_make_luigid_reads_the_workshops_configuration(repo, sh):
    """[resources] and [scheduler] apply where the scheduler runs: luigid reads the repo's luigi.cfg."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(repo / "luigi.cfg")
    config["resources"] = {"sqlite": "2"}
    with open(repo / "luigi.cfg", "w") as file:
        config.write(file)
    try:
        assert sh(f"make luigid PORT={processes.free_port()}", repo).returncode == 0
        resources = luigid.running(repo / ".luigid").api("resource_list")
    finally:
        luigid.stop(repo / ".luigid")
    assert [(r["name"], r["num_total"]) for r in resources] == [("sqlite", 2)]


def request(url, **headers):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_from_other_sites_and_host_names_are_refused(tmp_path):
    """A web page of any site could drive a luigid on 127.0.0.1 with GETs, or
    reach it by a host name of its own (DNS rebinding): the guard refuses both,
    and luigi's workers and its own page are served."""
    started = luigid.start_on_free_port(tmp_path)
    try:
        api = f"http://127.0.0.1:{started.port}/api/pause?data={{}}"
        assert request(api, Host="evil.example") == 403
        assert request(api, Origin="http://evil.example") == 403
        assert request(api, **{"Sec-Fetch-Site": "cross-site"}) == 403
        assert request(f"http://127.0.0.1:{started.port}/static/visualiser/index.html", Host="evil.example") == 403
        assert started.api("is_paused") == {"paused": False}, "nothing was paused"
        assert (
            request(f"http://localhost:{started.port}/static/visualiser/index.html", **{"Sec-Fetch-Site": "none"})
            == 200
        )
        origin = f"http://localhost:{started.port}"
        assert request(f"{origin}/api/task_list?data={{}}", Origin=origin, **{"Sec-Fetch-Site": "same-origin"}) == 200
        code = "import luigi, sys; print(luigi.build([luigi.WrapperTask()], scheduler_port=int(sys.argv[1])))"
        worker = subprocess.run(
            [sys.executable, "-c", code, str(started.port)],
            capture_output=True, text=True, env=processes.command_env(tmp_path / "tmp"), timeout=60,
        )  # fmt: skip
        assert worker.stdout.strip() == "True", worker.stdout + worker.stderr
    finally:
        started.stop()


def test_a_plain_luigid_listens_on_every_interface(tmp_path):
    """luigid without --address is reachable from the network: why the workshop passes --address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, contextlib.suppress(OSError):
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the route, sends nothing
        address = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no network address but loopback")
    port = processes.free_port()
    plain = subprocess.Popen(
        [str(Path(sys.executable).with_name("luigid")), "--port", str(port), "--state-path", str(tmp_path / "s")],
        cwd=tmp_path, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not luigid.is_luigid(f"http://{address}:{port}/"):
            assert plain.poll() is None and time.monotonic() < deadline, f"luigid does not answer on {address}"
            time.sleep(0.1)
    finally:
        plain.terminate()
        plain.wait(timeout=15)


def test_a_port_held_by_a_server_that_speaks_no_http_is_explained():
    """An SMTP server (make mail) answers luigid's probe with a line that is no HTTP."""
    from tools.attendee import mail

    port = processes.free_port()
    server = mail.serving(mail.Mailbox(), port)
    try:
        assert not luigid.is_luigid(f"http://127.0.0.1:{port}/")
        assert luigid.taken(port).startswith(f"port {port} is taken by "), luigid.taken(port)
    finally:
        server.stop()


def test_a_folder_with_a_percent_sign_is_no_interpolation_to_luigi(tmp_path):
    """luigi keeps the state path in its configuration, where % is special."""
    started = luigid.start_on_free_port(tmp_path / "50% done")
    try:
        assert started.api("task_list", status="") == {}
    finally:
        started.stop()
    assert (tmp_path / "50% done" / "state.pickle").exists()
