"""luigi's central scheduler, luigid, started and stopped in one place: for
`make luigid` and `make luigid-stop`, for `make run`, `make images` and
`make bench`, and for the tests.

luigid runs in the background, bound to 127.0.0.1 only (never to every
network interface: the workshop runs on conference wifi), with everything it
keeps in one folder: its pid file, its log, and its state file (without
--state-path, luigid forgets every task when it stops).

    python -m tools.luigid start [--port N] [--folder DIR]
    python -m tools.luigid stop [--folder DIR]

Without --port, luigid takes the port that luigi's workers look for: 8082,
unless luigi's configuration sets [core] scheduler_port.
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tools.chapters import ROOT

FOLDER = ROOT / ".luigid"
ADDRESS = "127.0.0.1"


class LuigidError(Exception):
    """Something a person can fix, said in plain words."""


@dataclass
class Luigid:
    folder: Path
    port: int
    pid: int
    process: subprocess.Popen | None = None  # set when this process started it

    @property
    def url(self):
        return f"http://localhost:{self.port}/"

    def api(self, method, **arguments):
        """Call luigid's HTTP API, the one its web UI uses: GET /api/<method>?data=<arguments as JSON>."""
        query = urllib.parse.urlencode({"data": json.dumps(arguments)})
        with urllib.request.urlopen(f"{self.url}api/{method}?{query}", timeout=10) as response:
            return json.load(response)["response"]

    def client_config(self, path, extra=""):
        return client_config(path, self.port, extra)

    def stop(self, timeout=15):
        """Stop exactly this luigid (it saves its state on SIGTERM), and forget its pid file."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if not _wait_for_exit(self, timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            _wait_for_exit(self, timeout)
        pidfile(self.folder).unlink(missing_ok=True)


def client_config(path, port, extra=""):
    """Write a luigi configuration file that sends luigi's workers (and
    `make luigid`) to port, plus any extra settings. Given to a command as
    LUIGI_CONFIG_PATH, it is read after ./luigi.cfg and wins, so the command
    itself stays as documented."""
    path = Path(path)
    path.write_text(f"[core]\nscheduler_port = {port}\n{extra}")
    return path


def pidfile(folder):
    return Path(folder) / "luigid.pid"


def logfile(folder):
    return Path(folder) / "luigid.log"


def configured_port():
    """The port luigi's workers connect to: 8082, unless luigi's configuration
    says otherwise ([core] scheduler_port, or its older name default-scheduler-port)."""
    import luigi.interface

    return luigi.interface.core().scheduler_port


def free_port():
    """A port that nothing listens on at the moment, chosen by the system."""
    with socket.socket() as probe:
        probe.bind((ADDRESS, 0))
        return probe.getsockname()[1]


def port_is_free(port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as luigid's own server does
        try:
            probe.bind((ADDRESS, port))
        except OSError:
            return False
        return True


def _is_luigid(pid):
    """Whether pid is alive and a luigid (not some other program that got a recycled pid)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        with contextlib.suppress(OSError):
            return "luigid" in cmdline.read_bytes().decode(errors="replace")
        return False
    ps = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True)  # macOS
    return "luigid" in ps.stdout


def running(folder=FOLDER):
    """The luigid whose pid file is in folder, if it is still running; a stale
    pid file (left by a crash or a reboot) is removed."""
    path = pidfile(folder)
    try:
        pid, port = (int(word) for word in path.read_text().split())
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return None
    if _is_luigid(pid):
        return Luigid(Path(folder), port, pid)
    path.unlink(missing_ok=True)
    return None


def _answers(url):
    try:
        with urllib.request.urlopen(url + "api/task_list?data={}", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_for_exit(luigid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if luigid.process is not None:
            if luigid.process.poll() is not None:
                return True
        elif not _is_luigid(luigid.pid):
            return True
        time.sleep(0.05)
    return False


def start(folder=FOLDER, port=None, timeout=30):
    """Start luigid in the background and wait until it answers. Returns a
    Luigid; raises LuigidError, with what to do, if it cannot start."""
    folder = Path(folder).resolve()
    port = port or configured_port()
    already = running(folder)
    if already:
        raise LuigidError(
            f"luigid is already running (pid {already.pid}), at {already.url}\nStop it first with `make luigid-stop`."
        )
    if not port_is_free(port):
        raise LuigidError(
            f"port {port} is taken by another program, so luigid cannot listen on it.\n"
            f"Pick another port, e.g. `make luigid PORT={port + 1}`, and give the workers the same one:\n"
            f"    python main.py --workers 4 --scheduler-port {port + 1}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    luigid = Path(sys.executable).with_name("luigid")
    command = [str(luigid), "--address", ADDRESS, "--port", str(port), "--state-path", str(folder / "state.pickle")]
    with open(logfile(folder), "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal that started it does not stop it
        )
    started = Luigid(folder, port, process.pid, process)
    pidfile(folder).write_text(f"{process.pid} {port}\n")
    deadline = time.monotonic() + timeout
    while not _answers(started.url):
        if process.poll() is not None or time.monotonic() > deadline:
            started.stop()
            tail = "\n".join(logfile(folder).read_text(errors="replace").splitlines()[-5:])
            raise LuigidError(f"luigid did not start; the end of its log, {logfile(folder)}:\n{tail}")
        time.sleep(0.1)
    return started


def start_on_free_port(folder, attempts=3):
    """Start luigid on a port that is free now; another program may take that
    port before luigid binds it, so try a few ports before giving up."""
    for attempt in range(attempts):
        try:
            return start(folder, free_port())
        except LuigidError:
            if attempt == attempts - 1:
                raise


def stop(folder=FOLDER):
    """Stop the luigid started from folder. Returns it, or None if none was running."""
    luigid = running(folder)
    if luigid:
        luigid.stop()
    return luigid


def shown(path):
    with contextlib.suppress(ValueError):
        return Path(path).relative_to(Path.cwd())
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Start or stop luigi's central scheduler, luigid, in the background.")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, help="port to listen on (default: luigi's default-scheduler-port, 8082)")
    parser.add_argument("--folder", default=str(FOLDER), help="where its pid file, log and state go")
    args = parser.parse_args(argv)
    folder = Path(args.folder).resolve()
    if args.action == "stop":
        stopped = stop(folder)
        print(f"Stopped luigid (pid {stopped.pid})." if stopped else "No luigid was running: nothing to stop.")
        return 0
    try:
        luigid = start(folder, args.port)
    except LuigidError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"luigid is running in the background (pid {luigid.pid}), listening on 127.0.0.1 only.")
    print(f"Open {luigid.url} in your browser.")
    print(f"Its log, state and pid file are in {shown(folder)}/. Stop it with `make luigid-stop`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
