"""Processes, signals and ports: how every tool starts, watches and stops what
it runs. The one module that knows about them.

Crash-only: what a tool starts never outlives it, whatever ends the tool
(Ctrl-C, a kill -9, a closed terminal, the OOM killer).
- A tool runs each child in a session of its own, out of reach of the
  terminal's signals, and stops it itself, in order (stop).
- Every child watches its parent and ends when the tool is gone: our own
  Python code calls watch_parent(); a chapter's command runs under guard(),
  a small process that watches for it and also holds its time limit.
- A tool's scratch folder is named after its owner (pid and start time), and
  every process started for it carries the folder in its environment: the
  next command sweeps what a killed run left behind (sweep), make doctor
  lists it (leftovers).

Ctrl-C, SIGTERM, SIGHUP and SIGQUIT (Ctrl-\\) all stop a tool as Ctrl-C does.

    python -m tools.processes guard [--limit SECONDS] -- COMMAND [ARGUMENTS...]
"""

import contextlib
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tools.paths import STATE

# Ctrl-C, a kill (make passing its SIGTERM on), a closed terminal, Ctrl-\.
STOPS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))
STOPPED = threading.Event()  # set by the first stop
WAKE_EVERY = 0.2  # seconds: how soon a tool waiting on its processes sees a stop
GRACE = 5  # seconds a stopped process gets to end cleanly before it is killed
SCRATCH = STATE / "scratch"
MARK = "WORKSHOP_SCRATCH"  # in the environment of every process started for a scratch folder
PARENT = "WORKSHOP_PARENT"  # in the environment of a child: the pid of the process that started it


# Signals ------------------------------------------------------------------------


def let_go(*_):
    """A handler that does nothing. Not SIG_IGN: a process started now would
    inherit SIG_IGN, and nothing could stop it."""


def _stop_as_on_ctrl_c(*_):
    """The first stop raises KeyboardInterrupt; later ones are let go while
    its cleaning up runs (make passes its SIGTERM on, so one comes twice)."""
    for number in STOPS:
        signal.signal(number, let_go)
    STOPPED.set()
    raise KeyboardInterrupt


def on_stop():
    """From now on, any of STOPS raises one KeyboardInterrupt in the main thread,
    and so does the end of the process that started this one (make, a shell:
    killed, it sends nothing). The children run in sessions of their own: the
    tool stops them itself."""
    for number in STOPS:
        signal.signal(number, _stop_as_on_ctrl_c)
    watch_parent(then=lambda: os.kill(os.getpid(), signal.SIGTERM))


def raise_if_stopped():
    """In a waiting loop: raise the KeyboardInterrupt of a stop that Python
    ignored (one that came while an object was collected, say)."""
    if STOPPED.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def held_back():
    """Hold stops back until the block ends (while a child starts and is
    recorded as ours), then let the handler in place take them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = {number: signal.signal(number, lambda number, _: held.append(number)) for number in STOPS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if held:
        signal.raise_signal(held[0])


def wait(process, timeout=None):
    """process.wait(), in short steps, so that a stop is seen at once (Python
    runs signal handlers between its own steps: a wait with no end would
    see a Ctrl-C only when an endless loop ends, never). None on timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        raise_if_stopped()
        with contextlib.suppress(subprocess.TimeoutExpired):
            return process.wait(WAKE_EVERY)
        if deadline is not None and time.monotonic() > deadline:
            return None


# Who is who ------------------------------------------------------------------------


def started_at(pid):
    """When process pid started (seconds since the epoch), or None if it is
    gone. With the pid, it names a process for good: a pid is reused, the
    pair is not, and neither changes when the repo is moved or renamed."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:  # ended, its parent has not collected it yet
            return None
        return round(process.create_time(), 2)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.AccessDenied:
        return -1.0  # it runs, as another user: alive, but not ours to judge


def alive(pid, started):
    """Whether the process that started at `started` with this pid still runs."""
    now = started_at(pid)
    return now is not None and (now == -1.0 or abs(now - started) < 0.05)


def watch_parent(then=None, every=0.25):
    """In a child of a tool: call then() (by default, end this process) as soon
    as the parent is gone, even if it was gone before this process could look
    (start() names the parent in PARENT). Works wherever Python does; Linux's
    PR_SET_PDEATHSIG would not on macOS."""
    named = int(os.environ.pop(PARENT, 0) or 0)  # popped: not for the processes this one starts
    # The parent that start() named is gone already, or it is this process's parent: watch it. A living
    # process that is not the parent named a grandparent (through make, say): watch the parent there is.
    parent = named if named and (os.getppid() == named or not _exists(named)) else os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(every)
        (then or (lambda: os._exit(1)))()

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def end_my_group():
    """End this process and everything in its process group, at once."""
    os.killpg(os.getpgrp(), signal.SIGKILL)


# Starting and stopping ------------------------------------------------------------------


GUARD = "import sys; sys.path.insert(0, sys.argv[1]); from tools.processes import guard; sys.exit(guard(sys.argv[2:]))"


def start(command, *, guard=False, limit=None, **options):
    """Start command (a list; a string runs in the shell) in a session of its
    own. guard=True runs it under guard(), which ends it when this process is
    gone, or after limit seconds. A child that runs our own code watches its
    parent itself instead (watch_parent)."""
    if guard:
        shell = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        limited = ["--limit", str(limit)] if limit else []
        command = [sys.executable, "-I", "-c", GUARD, str(STATE.parent), *limited, "--", *shell]
    options["env"] = {**(options.get("env") or os.environ), PARENT: str(os.getpid())}
    with held_back():  # a stop now would leave it running, unknown to us
        return subprocess.Popen(command, shell=isinstance(command, str), start_new_session=True, **options)


def stop(process, grace=GRACE, first=signal.SIGINT):
    """Stop a process that start() started, and all of its process group:
    first as Ctrl-C would (its cleaning up runs), then, after grace seconds,
    by force."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, first)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # what outlived the group's leader


def guard(argv):
    """Run a command (the arguments after --) in this process group, and end
    all of it when this process's parent is gone or after --limit seconds.
    A stop reaches the whole group: the command takes it, this process waits
    for the command. Exits with the command's exit code; 124 at the limit,
    as timeout(1) does."""
    limit = float(argv[argv.index("--limit") + 1]) if "--limit" in argv else None
    for number in STOPS:
        signal.signal(number, let_go)
    children = []

    def end_all():  # the command first, cleanly if it can; then the rest of the group, this process last
        with contextlib.suppress(ProcessLookupError):
            os.killpg(0, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired, IndexError):
            children[0].wait(GRACE)
        end_my_group()

    watch_parent(then=end_all)
    child = subprocess.Popen(argv[argv.index("--") + 1 :])
    children.append(child)
    deadline = None if limit is None else time.monotonic() + limit
    while child.poll() is None:
        if deadline is not None and time.monotonic() > deadline:
            print(f"\n(stopped at the time limit, {limit:g} s)", file=sys.stderr, flush=True)
            sys.stdout.flush()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(0, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(GRACE)
            _end_group_but_me()
            return 124
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(WAKE_EVERY)
    _end_group_but_me()  # what the command left running in its group (luigi's worker processes, say)
    return child.returncode if child.returncode >= 0 else 128 - child.returncode


def _end_group_but_me():
    import psutil

    group, me = os.getpgrp(), os.getpid()
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
            if process.pid != me and os.getpgid(process.pid) == group:
                process.kill()


def no_proxy_for(env, *hosts):
    """Add hosts to env's no_proxy: luigi's calls to a luigid on this machine
    must not go to the proxy of a corporate laptop's http_proxy, which cannot reach it."""
    for name in ("no_proxy", "NO_PROXY"):
        env[name] = ",".join(filter(None, [env.get(name), *hosts]))
    return env


def command_env(tmpdir=None, config=None):
    """The environment for a chapter's command, as the attendee's shell has it
    once the venv is active: this venv's python first on PATH, output
    unbuffered, no luigi settings from outside (config, when given, is the
    configuration that luigi reads after ./luigi.cfg), no make variables of a
    make around it, luigid on this machine reached without a proxy. tmpdir:
    for temporary files and luigi's pid locks (which would turn away the same
    command run at the same time elsewhere)."""
    outside = ("LUIGI_", "PYTEST_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "WORKSHOP_HERE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outside)}
    if tmpdir:
        Path(tmpdir).mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["WORKSHOP_VENV"] = sys.prefix
    env["PYTHONUNBUFFERED"] = "1"
    no_proxy_for(env, "localhost", "127.0.0.1")
    if config:
        env["LUIGI_CONFIG_PATH"] = str(config)
    return env


# Ports ---------------------------------------------------------------------------------

LOOPBACK = ("127.0.0.1", "::1")


def free_port():
    """A port that nothing listens on now, on either loopback address."""
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port_is_free(port):
            return port
    raise OSError("found no free port")


def next_free_port(port):
    """The first port after port that is free now (to suggest instead of a taken one)."""
    return next((p for p in range(port + 1, min(port + 100, 65536)) if port_is_free(p)), port + 1)


def port_is_free(port):
    """Whether a server could listen on port at both loopback addresses
    (a browser may try ::1 first for localhost)."""
    for address in LOOPBACK:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            with socket.socket(family) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as luigid's own server does
                probe.bind((address, port))
        except OSError as error:
            if family == socket.AF_INET6 and error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):  # no IPv6 here
                continue
            return False
    return True


def listener(port):
    """The process that listens on TCP port, as 'name (pid N)', or None where
    the system does not tell (another user's process, say)."""
    import psutil

    def listening(connections):
        return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections)

    try:
        pids = [c.pid for c in psutil.net_connections("tcp") if c.pid and listening([c])]
    except psutil.AccessDenied:  # macOS: the whole system's list needs root; a process's own does not
        pids = []
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if listening(process.net_connections("tcp")):
                    pids.append(process.pid)
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            return f"{psutil.Process(pid).name()} (pid {pid})"
    return None


def running_in(folder, wait=0.0):
    """The processes (this one and its children aside) that have to do with folder, by their
    command line, working folder or environment, once they have had up to `wait` seconds to end.
    For the tests and the soak: what a command left running."""
    import psutil

    def mentions(process):
        with contextlib.suppress(psutil.Error):
            if folder in " ".join(process.cmdline()) or process.cwd().startswith(folder):
                return True
            return any(folder in value for value in process.environ().values())
        return False

    def running(process):
        with contextlib.suppress(psutil.Error):
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        return False

    folder, deadline = str(folder), time.monotonic() + wait
    while True:
        me = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
        found = [p for p in psutil.process_iter() if p.pid not in me and mentions(p) and running(p)]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# Folders in use --------------------------------------------------------------------------


@contextlib.contextmanager
def claim(folder):
    """Mark folder as in use by this process while the block runs (an owner
    file, pid and start time): a second run of the same command is turned
    away, and make clean leaves the folder alone. A folder whose owner was
    killed is free again."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    owner = claimed(folder)
    if owner:
        raise FileExistsError(owner)
    me = os.getpid()
    (folder / "owner").write_text(f"{me} {started_at(me):.2f}\n")
    try:
        yield folder
    finally:
        with contextlib.suppress(OSError):
            (folder / "owner").unlink()


def claimed(folder):
    """The pid of the running process that claimed folder, or None."""
    with contextlib.suppress(OSError, ValueError):
        pid, started = (Path(folder) / "owner").read_text().split()
        if int(pid) != os.getpid() and alive(int(pid), float(started)):
            return int(pid)
    return None


@contextlib.contextmanager
def scratch(tool):
    """A scratch folder for this run of a tool, named after its owner, removed
    at the end with everything started for it: every process started within
    carries the folder in its environment (MARK)."""
    sweep()
    me = os.getpid()
    folder = SCRATCH / f"{tool}-{me}-{started_at(me):.2f}"
    folder.mkdir(parents=True)
    before = os.environ.get(MARK)
    os.environ[MARK] = str(folder)  # for every process started from now on
    try:
        yield folder
    finally:
        with held_back():
            _end_marked(str(folder))
            shutil.rmtree(folder, ignore_errors=True)
            os.environ.pop(MARK) if before is None else os.environ.update({MARK: before})


def _owner(folder):
    """(pid, start time) of the run that owns a scratch folder, from its name."""
    with contextlib.suppress(ValueError):
        *_, pid, started = Path(folder).name.rsplit("-", 2)
        return int(pid), float(started)
    return None


def _marked():
    """{scratch folder: [processes started for it]}, for every process that carries a mark."""
    import psutil

    found = {}
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            mark = process.environ().get(MARK)
            if mark and process.pid != os.getpid():
                found.setdefault(mark, []).append(process)
    return found


def _end_marked(folder):
    import psutil

    for process in _marked().get(folder, []):
        with contextlib.suppress(psutil.Error):
            process.kill()


def leftovers():
    """What runs that were killed left behind: {scratch folder: [pids still running]},
    for each folder whose owner is gone (the folder itself may be gone already)."""
    found = {}
    folders = [str(p) for p in SCRATCH.iterdir()] if SCRATCH.is_dir() else []
    marked = _marked() if folders or SCRATCH.is_dir() else {}
    for folder in set(folders) | set(marked):
        owner = _owner(folder)
        if Path(folder).parent == SCRATCH and owner and not alive(*owner):
            found[folder] = [p.pid for p in marked.get(folder, [])]
    return found


def sweep(say=None):
    """Remove what killed runs left behind (see leftovers), and say so."""
    if not SCRATCH.is_dir() or not any(SCRATCH.iterdir()):
        return []
    swept = []
    for folder, pids in leftovers().items():
        _end_marked(folder)
        shutil.rmtree(folder, ignore_errors=True)
        swept.append(folder)
        tool = Path(folder).name.split("-")[0]
        running = f", and stopped its {len(pids)} processes" if pids else ""
        (say or (lambda text: print(text, file=sys.stderr)))(
            f"(Removed what a stopped `make {tool}` left behind: its scratch folder{running}.)"
        )
    return swept


if __name__ == "__main__":
    if sys.argv[1:2] == ["guard"]:
        sys.exit(guard(sys.argv[2:]))
    sys.exit(__doc__.split("\n\n")[-1])
