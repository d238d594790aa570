"""luigi's central scheduler, luigid, started and stopped in one place: for
`make luigid` and `make luigid-stop`, `make run`, the checks, the tests, the
pictures and the benchmarks.

Each luigid listens on localhost only (127.0.0.1 and ::1): a plain luigid
listens on every network interface, with no login, and the workshop runs on
conference wifi. It keeps everything in one folder: its pid file, its log,
its state file (a plain luigid would keep it in
/var/lib/luigi-server/state.pickle). It reads the workshop's luigi.cfg: its
[scheduler] and [resources] sections are luigid's to apply.

It runs through `serve` below: luigi's own server, with a check in front of
it that refuses requests from web pages (see guard_requests), and, unless
it is the luigid that `make luigid` leaves running, a watch on the command
that started it: it ends with that command, whatever ends it.

    python -m tools.luigid start [--port N] [--folder DIR]
    python -m tools.luigid stop [--folder DIR]
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tools import processes
from tools.paths import ROOT, shown

FOLDER = ROOT / ".luigid"
CONFIG = ROOT / "luigi.cfg"  # the configuration every luigid started here reads
DEFAULT_PORT = 8082  # where luigi's workers look for luigid, unless told otherwise
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an http_proxy


class LuigidError(Exception):
    """Something a person can fix, said in plain words."""


@dataclass
class Luigid:
    folder: Path
    port: int
    pid: int
    started: float  # with the pid, names this very process: see processes.started_at
    process: subprocess.Popen | None = None  # set when this process started it

    @property
    def url(self):
        return f"http://localhost:{self.port}/"

    def api(self, method, **arguments):
        """Call luigid's HTTP API, the one its web page uses: GET /api/<method>?data=<arguments as JSON>."""
        query = urllib.parse.urlencode({"data": json.dumps(arguments)})
        with LOCAL.open(f"http://127.0.0.1:{self.port}/api/{method}?{query}", timeout=10) as response:
            return json.load(response)["response"]

    def setting(self, name, config=CONFIG):
        """A [scheduler] setting as luigid reads it (for a luigid started with config)."""
        code = f"import luigi.scheduler; print(luigi.scheduler.scheduler().{name})"
        return subprocess.run(
            [sys.executable, "-c", code], cwd=self.folder, env=environment(config), capture_output=True, text=True
        ).stdout.strip()

    def cooldown_left(self):
        """(seconds left, cool-down): for [scheduler] stable_done_cooldown_secs
        (10 s) after a task became DONE, luigid ignores a worker's claim that
        it is PENDING (scheduler.py, add_task): a rerun whose outputs are gone
        gets those tasks "not granted run permission"."""
        done = self.api("task_list", status="DONE", limit=False)
        newest = max((task["last_updated"] for task in done.values()), default=None)
        if newest is None:
            return 0.0, None
        cooldown = float(self.setting("stable_done_cooldown_secs"))
        return max(0.0, newest + cooldown - time.time()), cooldown

    def client_config(self, path, extra=""):
        """A luigi configuration file that sends the workers (and luigid
        commands) to this luigid, plus extra settings. Given to a command as
        LUIGI_CONFIG_PATH, luigi reads it after ./luigi.cfg, so the command
        itself stays as documented."""
        return client_config(path, self.port, extra)

    def alive(self):
        return processes.alive(self.pid, self.started)

    def stop(self, timeout=15):
        """Stop exactly this luigid (it saves its state on SIGTERM), and forget its pid file."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.alive():
                break
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
            deadline = time.monotonic() + timeout
            while self.alive() and time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    break
                time.sleep(0.05)
        if self.process is not None:
            self.process.wait()
        pid_file(self.folder).unlink(missing_ok=True)


def client_config(path, port, extra=""):
    path = Path(path)
    path.write_text(f"[core]\nscheduler_port = {port}\n{extra}")
    return path


def pid_file(folder):
    return Path(folder) / "luigid.pid"


def log_file(folder):
    return Path(folder) / "luigid.log"


def environment(config=CONFIG):
    """luigid's environment: this one, with config as its only luigi configuration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LUIGI_")}
    env["LUIGI_CONFIG_PATH"] = str(config)
    return env


def configured_port():
    """The port luigi's workers connect to: 8082, unless luigi's configuration says otherwise."""
    import luigi.interface

    return luigi.interface.core().scheduler_port


def check_port(port):
    """port as an int, or LuigidError if it is not a port luigid could listen on."""
    if not re.fullmatch(r"[0-9]+", str(port)) or not 1 <= int(port) <= 65535:
        raise LuigidError(f"PORT must be a whole number from 1 to 65535, not {str(port)!r}.")
    return int(port)


def is_luigid(url, timeout=2):
    """Whether what answers at url answers as luigid's API does."""
    try:
        with LOCAL.open(url.rstrip("/") + "/api/task_list?data={}", timeout=timeout) as answer:
            return "response" in json.load(answer)
    except (OSError, ValueError, http.client.HTTPException):  # no web server there, or not luigid
        return False


def running(folder=FOLDER):
    """The luigid whose pid file is in folder, if it still runs (the very
    process: a pid reused by another program does not count, and a moved repo
    does not matter). A stale pid file is removed."""
    path = pid_file(folder)
    with contextlib.suppress(OSError, ValueError):
        pid, port, started = path.read_text().split()
        found = Luigid(Path(folder), int(port), int(pid), float(started))
        if found.alive():
            return found
    with contextlib.suppress(OSError):  # another user's (sudo make luigid) stays: starting here will say so
        path.unlink(missing_ok=True)
    return None


def taken(port):
    """Why port is taken, in words (None if it is free)."""
    if processes.port_is_free(port):
        return None
    program = processes.listener(port)
    other = processes.next_free_port(port)
    if is_luigid(f"http://127.0.0.1:{port}/") or is_luigid(f"http://[::1]:{port}/"):
        pid = program.rsplit("pid ", 1)[1].rstrip(")") if program else None
        if ours := started_here(pid):
            return f"port {port} is taken by this repo's {ours} (pid {pid}). Pick another port, e.g. PORT={other}."
        stop = f"Stop it with `kill {pid}`, or pick" if pid else "Pick"
        return (
            f"port {port} is taken by a luigid{f' ({program})' if program else ''} that this repo's `make luigid`"
            f" did not start (another clone's, say).\n{stop} another port, e.g. `make luigid PORT={other}`."
        )
    return (
        f"port {port} is taken by {program or 'another program'}, so luigid cannot listen on it.\n"
        f"Pick another port, e.g. `make luigid PORT={other}`, and give the workers the same one:\n"
        f"    python main.py --workers 4 --scheduler-port {other}"
    )


def started_here(pid):
    """Which command of this repo started the luigid of pid ('`make luigid`', '`make history`'), or None."""
    import psutil

    with contextlib.suppress(psutil.Error, TypeError, ValueError, IndexError):
        command = psutil.Process(int(pid)).cmdline()
        folder = Path(command[command.index("--folder") + 1])
        if "tools.luigid" in command and folder.parent == ROOT:
            return "`make history`" if "--history" in command else "`make luigid`"
    return None


def start(folder=FOLDER, port=None, timeout=30, config=CONFIG, keep=False):
    """Start luigid in the background and wait until it answers. Returns a
    Luigid; raises LuigidError, with what to do, if it cannot start. keep:
    it outlives this process (make luigid); else it ends with this process."""
    folder = Path(folder).resolve()
    port = configured_port() if port is None else check_port(port)
    already = running(folder)
    if already:
        elsewhere = f", not on port {port}" if already.port != port else ""
        raise LuigidError(
            f"luigid is already running (pid {already.pid}), at {already.url}{elsewhere}.\n"
            "Stop it first with `make luigid-stop`."
        )
    if reason := taken(port):
        raise LuigidError(reason)
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tools.luigid", "serve", "--port", str(port), "--folder", str(folder)]
    command += [] if keep else ["--with-parent"]
    env = environment(config)
    if keep:  # a luigid meant to stay is no part of the scratch of the command that started it
        env.pop(processes.MARK, None)
    started = None
    try:
        with processes.held_back(), open(log_file(folder), "ab") as log:  # until `started` is known
            process = processes.start(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
            started = Luigid(folder, port, process.pid, processes.started_at(process.pid) or 0.0, process)
            pid_file(folder).write_text(f"{process.pid} {port} {started.started:.2f}\n")
        deadline = time.monotonic() + timeout
        while not (is_luigid(f"http://127.0.0.1:{port}/", timeout=1) and listens(process.pid, port)):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log_file(folder).read_text(errors="replace").splitlines()[-5:])
                raise LuigidError(f"luigid did not start; the end of its log, {shown(log_file(folder))}:\n{tail}")
            time.sleep(0.05)
    except BaseException:
        if started:
            started.stop()
        raise
    return started


def listens(pid, port):
    """Whether process pid itself listens on port (not another program that took the port meanwhile)."""
    import psutil

    with contextlib.suppress(psutil.Error):
        return any(c.laddr and c.laddr.port == port for c in psutil.Process(pid).net_connections("tcp"))
    return False


def start_on_free_port(folder, attempts=3):
    """Start luigid on a port that is free now; another program may take that
    port before luigid binds it, so try a few ports before giving up."""
    for attempt in range(attempts):
        try:
            return start(folder, processes.free_port())
        except LuigidError:
            if attempt == attempts - 1:
                raise


def stop(folder=FOLDER):
    """Stop the luigid started from folder. Returns it, or None if none was running."""
    luigid = running(folder)
    if luigid:
        luigid.stop()
    return luigid


# The luigid process ---------------------------------------------------------------


def guard_requests(port, address="localhost"):
    """luigid has no login, and its API changes things on a GET (/api/pause,
    /api/add_task...): any web page open in a browser on this machine could
    send those, from its own origin, or through a host name of its own that
    points at 127.0.0.1 (DNS rebinding). Refuse a request with any other Host
    than this machine's loopback names, or sent by another site. luigi's
    workers, curl and luigid's own page send neither. Does not change luigi:
    it wraps tornado's hook for every request, in this process only."""
    import tornado.web

    hosts = {f"{name}:{port}" for name in ("localhost", "127.0.0.1", "[::1]", address)}
    domain = os.environ.get("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN")  # a Codespace forwards the port there

    def ours(host):
        return host.lower() in hosts or bool(domain and host.lower().endswith(f"-{port}.{domain}"))

    def prepare(handler, original=tornado.web.RequestHandler.prepare):
        origin = handler.request.headers.get("Origin")
        site = handler.request.headers.get("Sec-Fetch-Site", "same-origin")
        if not ours(handler.request.host) or site in ("cross-site", "same-site") or (
            origin and not ours(urllib.parse.urlsplit(origin).netloc)
        ):  # fmt: skip
            raise tornado.web.HTTPError(403, "the workshop's luigid answers only to this machine's own pages")
        return original(handler)

    tornado.web.RequestHandler.prepare = prepare


def serve(argv):
    """In the luigid process: luigi's own server, on localhost, guarded."""
    parser = argparse.ArgumentParser(prog="python -m tools.luigid serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--address", default="localhost", help="the address to listen on (default: both loopbacks)")
    parser.add_argument("--logdir", help="log to luigi-server.log there, not to the standard output")
    parser.add_argument("--with-parent", action="store_true", help="end when the process that started it ends")
    parser.add_argument("--history", type=Path, help="record the tasks' history into this SQLite database")
    args = parser.parse_args(argv)
    if args.history:  # luigid reads these when it starts: luigi's [scheduler] and [task_history] settings
        import luigi.configuration

        config = luigi.configuration.get_config()
        config.set("scheduler", "record_task_history", "true")
        config.set("task_history", "db_connection", f"sqlite:///{args.history.resolve()}".replace("%", "%%"))
    if args.with_parent:
        processes.watch_parent(then=lambda: os.kill(os.getpid(), signal.SIGTERM))  # luigid saves its state
    guard_requests(args.port, args.address)
    import luigi.cmdline

    # luigi keeps the state path in its configuration, where % starts an interpolation: %% is a %.
    state = str(args.folder / "state.pickle").replace("%", "%%")
    command = ["--address", args.address, "--port", str(args.port), "--state-path", state]
    luigi.cmdline.luigid(command + (["--logdir", args.logdir] if args.logdir else []))


# make luigid, make luigid-stop ------------------------------------------------------


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    parser = argparse.ArgumentParser(description="Start or stop luigi's central scheduler, luigid, in the background.")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", help="port to listen on, 1 to 65535 (default: luigi's scheduler_port, 8082)")
    parser.add_argument("--folder", default=str(FOLDER), help="where its pid file, log and state go")
    args = parser.parse_args(argv)
    folder = Path(args.folder).resolve()
    processes.on_stop()
    try:
        return stop_or_start(args, folder)
    except PermissionError as error:  # after sudo make luigid: root's files, root's luigid
        owner = None
        with contextlib.suppress(OSError, KeyError, ImportError):
            import pwd

            uid = Path(error.filename or pid_file(folder)).stat().st_uid
            owner = pwd.getpwuid(uid).pw_name if uid != os.getuid() else None
        if owner is None:  # this user's own files: a read-only repo
            print(f"error: cannot write luigid's files in {shown(folder)}/: {error.strerror}.", file=sys.stderr)
            return 1
        print(
            f"error: {shown(folder)}/ and its luigid belong to {owner} (made with sudo?), and this user may not"
            f" change them. Run: sudo make luigid-stop; sudo chown -R $USER {shlex.quote(str(shown(folder)))}",
            file=sys.stderr,
        )
        return 1
    except OSError as error:  # a read-only repo, a full disk
        print(f"error: cannot write luigid's files in {shown(folder)}/: {error.strerror}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130


def stop_or_start(args, folder):
    if args.action == "stop":
        stopped = stop(folder)
        print(f"Stopped luigid (pid {stopped.pid})." if stopped else "No luigid was running: nothing to stop.")
        return 0
    try:
        with one_start_at_a_time(folder):
            # Asked again for the luigid that runs (a page followed from the top starts it twice):
            # it is there, as asked. On another port: an error.
            already = running(folder)
            wanted = already and (configured_port() if args.port is None else check_port(args.port))
            if already and already.port == wanted:
                luigid, how = already, "already running"
            else:
                luigid, how = start(folder, args.port, keep=True), "running"
    except LuigidError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"luigid is {how} in the background (pid {luigid.pid}), listening on localhost only.")
    print(f"Open {luigid.url} in your browser.")
    if luigid.port != DEFAULT_PORT:
        print(
            f"On port {luigid.port}, the workers need to be told: python main.py --workers 4 --scheduler-port "
            f"{luigid.port}"
        )
    print(f"Its log, state and pid file are in {shown(folder)}/. Stop it with `make luigid-stop`.")
    return 0


@contextlib.contextmanager
def one_start_at_a_time(folder):
    """Hold folder's start lock: a second make luigid at the same instant
    waits for the first, then finds its luigid running."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file is closed, or the process ends
        yield


if __name__ == "__main__":
    sys.exit(main())
