"""luigi's central scheduler, luigid, started and stopped in one place: for
`make luigid` and `make luigid-stop`, for `make run`, `make images` and
`make bench`, and for the tests.

luigid runs in the background, bound to 127.0.0.1 only: without --address,
luigid listens on every network interface, with no login, and the workshop
runs on conference wifi. Everything it keeps is in one folder: its pid file,
its log, and its state file (without --state-path, luigid would keep its
state in /var/lib/luigi-server/state.pickle, and only log a warning where it
cannot write there); and, for `make luigid`, start.lock, so that two starts
at the same instant make one luigid. The state file keeps the tasks across a restart, but
not for ever: luigid drops a finished task about 11 minutes after its last
worker left ([scheduler] worker_disconnect_delay, 60 s, then remove_delay,
600 s), whatever the file holds.

luigid reads the workshop's configuration, luigi.cfg at the top of the repo
(as LUIGI_CONFIG_PATH): its [scheduler] and [resources] sections are
luigid's to apply, not the workers'.

    python -m tools.luigid start [--port N] [--folder DIR]
    python -m tools.luigid stop [--folder DIR]

Without --port, luigid takes the port that luigi's workers look for: 8082,
unless luigi's configuration sets [core] scheduler_port.
"""

import argparse
import contextlib
import fcntl
import json
import os
import re
import shlex
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

from tools.chapters import ROOT, shown, stopping_as_on_ctrl_c, stops_held_back

FOLDER = ROOT / ".luigid"
ADDRESS = "127.0.0.1"
CONFIG = ROOT / "luigi.cfg"  # the configuration every luigid started here reads
# HTTP to a luigid on this machine, never through a proxy from http_proxy.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
        with LOCAL.open(f"{self.url}api/{method}?{query}", timeout=10) as response:
            return json.load(response)["response"]

    def setting(self, name, config=CONFIG):
        """A [scheduler] setting as luigid reads it: asked of luigi in luigid's
        environment and folder (for a luigid started with the default config)."""
        code = f"import luigi.scheduler; print(luigi.scheduler.scheduler().{name})"
        ask = [sys.executable, "-c", code]
        return subprocess.run(
            ask, cwd=self.folder, env=environment(config), capture_output=True, text=True, check=True
        ).stdout.strip()

    def cooldown_left(self):
        """(seconds left, cool-down): how long until luigid lets a new run
        claim every task it marked DONE. For [scheduler] stable_done_cooldown_secs
        (10 s) after a task became DONE, luigid ignores a worker's claim that
        it is PENDING (scheduler.py, add_task): that keeps two workers from
        running one task twice, but a rerun whose outputs are gone gets those
        tasks "not granted run permission"."""
        done = self.api("task_list", status="DONE", limit=False)
        newest = max((task["last_updated"] for task in done.values()), default=None)
        if newest is None:
            return 0.0, None
        cooldown = float(self.setting("stable_done_cooldown_secs"))
        return max(0.0, newest + cooldown - time.time()), cooldown

    def client_config(self, path, extra=""):
        return client_config(path, self.port, extra)

    def stop(self, timeout=15):
        """Stop exactly this luigid (it saves its state on SIGTERM), and forget its pid file."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if not _wait_for_exit(self, timeout) and (self.process or _is_luigid(self.pid, self.folder)):
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


def _arguments(pid):
    """The command line pid runs, as a list of arguments, or None if it is gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it runs, as another user (root, after sudo make luigid): its command line is still there to read
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    ps = subprocess.run(["ps", "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True)  # macOS
    return ps.stdout.split() if ps.returncode == 0 else None


def state_path(folder):
    return Path(folder) / "state.pickle"


def _is_luigid(pid, folder):
    """Whether pid is the luigid started from folder: a luigid (its program,
    or the script its Python runs) with folder's --state-path. Not some other
    program that got a recycled pid, nor one that merely mentions the folder
    (`tail -f .luigid/luigid.log`), nor a luigid of another folder."""
    arguments = _arguments(pid)
    if not arguments:
        return False
    program = [Path(word).name for word in arguments[:2]]
    # " ".join: on macOS, ps gives one line, which splits a folder with spaces.
    expected = f" --state-path {state_path(Path(folder).resolve())}"
    return "luigid" in program and expected in " ".join(["", *arguments])


def running(folder=FOLDER):
    """The luigid whose pid file is in folder, if it is still running; a stale
    pid file (left by a crash or a reboot) is removed."""
    path = pidfile(folder)
    try:
        pid, port = (int(word) for word in path.read_text().split())
    except (OSError, ValueError):
        pid = port = None
    if pid and _is_luigid(pid, folder):
        return Luigid(Path(folder), port, pid)
    with contextlib.suppress(PermissionError):  # another user's (sudo make luigid): starting here will say so
        path.unlink(missing_ok=True)
    return None


def check_port(port):
    """port as an int, or LuigidError if it is not a port luigid could listen on."""
    if not re.fullmatch(r"[0-9]+", str(port)) or not 1 <= int(port) <= 65535:
        raise LuigidError(f"PORT must be a whole number from 1 to 65535, not {str(port)!r}.")
    return int(port)


def listening_sockets(port):
    """The sockets that listen on TCP port, as /proc/<pid>/fd links name them
    ('socket:[inode]'); None where there is no /proc (macOS)."""
    if not Path("/proc/net/tcp").exists():
        return None
    sockets = set()
    for table in ["/proc/net/tcp", "/proc/net/tcp6"]:
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()  # local address is hex ip:port; state 0A is LISTEN
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    sockets.add(f"socket:[{fields[9]}]")
    return sockets


def listens(pid, port):
    """Whether process pid listens on port (where the system does not tell: True)."""
    sockets = listening_sockets(port)
    if sockets is None:
        return True
    with contextlib.suppress(OSError):
        return any(os.readlink(fd) in sockets for fd in Path(f"/proc/{pid}/fd").iterdir())
    return False


def holder(port):
    """The program that listens on TCP port, e.g. 'python3 (pid 1234)', when
    this machine tells (Linux: /proc; elsewhere: lsof), else None."""
    sockets = listening_sockets(port)
    if sockets is not None:
        for fd in Path("/proc").glob("[0-9]*/fd/*"):
            with contextlib.suppress(OSError):
                if os.readlink(fd) in sockets:
                    pid = int(fd.parent.parent.name)
                    return f"{Path(f'/proc/{pid}/comm').read_text().strip()} (pid {pid})"
        return None
    with contextlib.suppress(OSError):
        lsof = subprocess.run(["lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN", "-Fpc"], capture_output=True, text=True)
        fields = {line[0]: line[1:] for line in reversed(lsof.stdout.splitlines()) if line[:1] in ("p", "c")}
        if "p" in fields:
            return f"{fields.get('c', 'a program')} (pid {fields['p']})"
    return None


def _answers(url):
    try:
        with LOCAL.open(url + "api/task_list?data={}", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_for_exit(luigid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if luigid.process is not None:
            if luigid.process.poll() is not None:
                return True
        elif _has_exited(luigid.pid, luigid.folder):
            return True
        time.sleep(0.05)
    return False


def _has_exited(pid, folder):
    """Whether the luigid that ran as pid is gone: pid is free, a zombie, or
    another program's now. (A process half-way through exiting has no command
    line any more, but has not exited yet.)"""
    arguments = _arguments(pid)
    if arguments:
        return not _is_luigid(pid, folder)
    if arguments is None:
        return True
    with contextlib.suppress(OSError):  # Linux: the state follows the ")" that ends the program's name
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    return True


def environment(config=CONFIG):
    """The environment luigid runs in: this one, but with config as its only
    luigi configuration (luigi reads LUIGI_CONFIG_PATH; luigid's folder holds no luigi.cfg)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LUIGI_")}
    env["LUIGI_CONFIG_PATH"] = str(config)
    return env


def start(folder=FOLDER, port=None, timeout=30, config=CONFIG):
    """Start luigid in the background and wait until it answers. Returns a
    Luigid; raises LuigidError, with what to do, if it cannot start. config
    is the luigi configuration luigid reads (the workshop's, by default)."""
    folder = Path(folder).resolve()
    port = configured_port() if port is None else check_port(port)
    already = running(folder)
    if already:
        elsewhere = f", not on port {port}" if already.port != port else ""
        raise LuigidError(
            f"luigid is already running (pid {already.pid}), at {already.url}{elsewhere}.\n"
            "Stop it first with `make luigid-stop`."
        )
    if not port_is_free(port):
        program = holder(port)
        if program and program.split()[0] == "luigid":  # one left by another clone of the workshop, say
            pid = program.rsplit("pid ", 1)[1].rstrip(")")
            raise LuigidError(
                f"port {port} is taken by {program}, which this repo's `make luigid` did not start (another clone's,"
                f" say).\nStop it with `kill {pid}`, or pick another port, e.g. `make luigid PORT={port + 1}`."
            )
        raise LuigidError(
            f"port {port} is taken by {program or 'another program'}, so luigid cannot listen on it.\n"
            f"Pick another port, e.g. `make luigid PORT={port + 1}`, and give the workers the same one:\n"
            f"    python main.py --workers 4 --scheduler-port {port + 1}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    luigid = Path(sys.executable).with_name("luigid")
    command = [str(luigid), "--address", ADDRESS, "--port", str(port), "--state-path", str(state_path(folder))]
    # Any stop while it starts (SIGTERM and SIGHUP too) stops it: it runs in a session of its own.
    with stopping_as_on_ctrl_c():
        started = None
        try:
            with stops_held_back(), open(logfile(folder), "ab") as log:  # until `started` is known
                process = subprocess.Popen(
                    command,
                    cwd=folder,
                    env=environment(config),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C in the terminal that started it does not stop it
                )
                started = Luigid(folder, port, process.pid, process)
            pidfile(folder).write_text(f"{process.pid} {port}\n")
            deadline = time.monotonic() + timeout
            # It answers, and it is this luigid that does: not another program that took the port meanwhile.
            while not (_answers(started.url) and listens(process.pid, port)):
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join(logfile(folder).read_text(errors="replace").splitlines()[-5:])
                    raise LuigidError(f"luigid did not start; the end of its log, {logfile(folder)}:\n{tail}")
                time.sleep(0.1)
        except BaseException:
            if started:
                started.stop()
            raise
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


@contextlib.contextmanager
def of_its_own(chapter, folder):
    """For a chapter that needs luigid: start one of its own on a free port,
    in folder, and yield a luigi configuration file that sends the chapter's
    commands to it, quickly (chapter.quick); stop it at the end. For any
    other chapter: yield None."""
    if not chapter.needs_luigid:
        yield None
        return
    scheduler = start_on_free_port(Path(folder) / "luigid")
    try:
        yield scheduler.client_config(Path(folder) / "luigi-client.cfg", chapter.quick)
    finally:
        scheduler.stop()


def stop(folder=FOLDER):
    """Stop the luigid started from folder. Returns it, or None if none was running."""
    luigid = running(folder)
    if luigid:
        luigid.stop()
    return luigid


@contextlib.contextmanager
def one_start_at_a_time(folder):
    """Hold folder's start lock: a second make luigid at the same instant
    waits for the first, then finds its luigid running."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file is closed, or the process ends
        yield


def main(argv=None):
    parser = argparse.ArgumentParser(description="Start or stop luigi's central scheduler, luigid, in the background.")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", help="port to listen on, 1 to 65535 (default: luigi's scheduler_port, 8082)")
    parser.add_argument("--folder", default=str(FOLDER), help="where its pid file, log and state go")
    args = parser.parse_args(argv)
    folder = Path(args.folder).resolve()
    try:
        return stop_or_start(args, folder)
    except PermissionError as error:  # after sudo make luigid: root's files, root's luigid
        owner = "another user"
        with contextlib.suppress(OSError, KeyError, ImportError):
            import pwd

            owner = pwd.getpwuid(Path(error.filename or pidfile(folder)).stat().st_uid).pw_name
        print(
            f"error: {shown(folder)}/ and its luigid belong to {owner} (made with sudo?), and this user may not"
            f" change them. Run: sudo make luigid-stop; sudo chown -R $USER {shlex.quote(str(shown(folder)))}",
            file=sys.stderr,
        )
        return 1


def stop_or_start(args, folder):
    if args.action == "stop":
        stopped = stop(folder)
        print(f"Stopped luigid (pid {stopped.pid})." if stopped else "No luigid was running: nothing to stop.")
        return 0
    try:
        with one_start_at_a_time(folder):
            # Asked again for the luigid that runs (a page followed from the top
            # starts it twice): it is there, as asked. On another port: an error.
            already = running(folder)
            wanted = already and (configured_port() if args.port is None else check_port(args.port))
            if already and already.port == wanted:
                luigid, how = already, "already running"
            else:
                luigid, how = start(folder, args.port), "running"
    except LuigidError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"luigid is {how} in the background (pid {luigid.pid}), listening on 127.0.0.1 only.")
    print(f"Open {luigid.url} in your browser.")
    print(f"Its log, state and pid file are in {shown(folder)}/. Stop it with `make luigid-stop`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
