"""`make scale-out`: chapter 6's graph on several machines at once, one
luigid for all of them, and a machine lost in the middle of a task.

The machines are network namespaces of this one Linux machine: each has a
network stack of its own (and a host name of its own, in a UTS namespace).
There is a scheduler host and three worker hosts, joined by virtual Ethernet
links to a bridge on the scheduler host, on the network 10.82.0.0/24, which
exists only inside those namespaces. The demo never touches this machine's
own interfaces or routes, and no packet leaves the namespaces.

- luigid runs on the scheduler host, bound to that host's address (not
  127.0.0.1, which the worker hosts could not reach), with its state and log
  in .scale-out/round-N/ and its settings in .scale-out/luigid.cfg.
- Every worker host runs the solution of chapter 6 at the same time,
  `python solutions/Visualization/main.py --workers 2 --scheduler-host 10.82.0.1`,
  with its settings in .scale-out/worker.cfg.
- luigi does not move data between machines: each worker decides what is
  complete by looking at the targets itself. The targets must therefore live
  on storage that every worker sees: a shared file system (NFS, ...) or
  object storage through luigi.contrib (S3Target, GCSTarget, ...). Here this
  machine's file system plays that part: every host runs in .scale-out/shared/
  and writes its outputs there. Each host has a temporary folder of its own
  (TMPDIR), as separate machines have their own /tmp; luigi keeps its lock
  against a second identical command there, so the lock holds per host and
  no --no-lock is needed.

Round 1 runs the graph on all worker hosts and shows which host ran which
task. Round 2, the failure drill, starts again from fresh outputs and a fresh
luigid, and kills one worker host's processes while it runs a task: luigid
notices that the worker is gone and another host takes the task over. The
demo prints what happens, with times, and checks the outcome against the
workers' logs and luigid's API (task_list); the API's answers are saved in
.scale-out/round-N/tasks.json and the outcome in .scale-out/result.json.

Everything it creates (namespaces, the links in them, the processes) is
removed at the end, also after a failure or any stop. Killed outright (kill
-9), it leaves its namespaces: the next make scale-out removes them first,
and says so; its processes end with it (they watch it, see tools.processes).
One runs at a time in a repo: a second one is turned away.

It needs Linux, root, `ip netns` (iproute2) and `unshare` (util-linux).
Without them it refuses at once with a one-line reason and exits 77 (the
exit code that test harnesses read as "skipped"); it exits 1 when the demo
itself fails, and 0 when every check held.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter

from tools import processes
from tools.paths import ROOT, shown

REFUSED = 77
SCRATCH = ROOT / ".scale-out"  # `make clean` removes it (it is in .gitignore)
SHARED = SCRATCH / "shared"  # the storage every host sees
TAG = "lw-"  # the start of the demo's namespace names: lw-<pid of the demo>-<host>
CHAPTER = ROOT / "solutions" / "Visualization" / "main.py"
NETWORK = "10.82.0"  # the /24 inside the namespaces
SCHEDULER = "scheduler"
WORKER_HOSTS = ["worker-a", "worker-b", "worker-c"]
VICTIM = "worker-b"  # the host that the failure drill kills
ADDRESS = {SCHEDULER: f"{NETWORK}.1"} | {host: f"{NETWORK}.{11 + i}" for i, host in enumerate(WORKER_HOSTS)}
PORT = 8082  # luigid's default port: free for sure, on a host of its own
WORKERS = 2  # worker processes per host (--workers)
PACE = 1.0  # seconds each task pretends to work ([pace] seconds)
DISCONNECT_DELAY = 5  # see LUIGID_CFG
RETRY_DELAY = 1
ROUND_TIMEOUT = 90

LUIGID_CFG = f"""\
# luigid's configuration for `make scale-out` (tools/scale_out.py writes it).
# Scheduler settings belong in the configuration of the process that runs the
# scheduler, luigid: the workers' luigi.cfg does not change them.

[scheduler]
# A worker pings luigid every [worker] ping_interval seconds (1 by default).
# A worker that luigid has not heard from for this many seconds is gone, and
# the tasks it was running are marked FAILED (default 60).
worker_disconnect_delay = {DISCONNECT_DELAY}
# luigid looks for gone workers when it prunes: every 60 seconds (fixed in
# luigi's server), whenever the visualiser or the API lists tasks or workers,
# and, with this setting, whenever a worker asks for work. Waiting workers ask
# every second or so, so a gone worker is noticed a moment after
# worker_disconnect_delay (without it: up to a minute later).
prune_on_get_work = true
# A FAILED task becomes PENDING again at the first prune after this many
# seconds (default 900): here, when the next worker asks for work, and that
# worker gets the task if the task is in its graph.
retry_delay = {RETRY_DELAY}
# A task that fails this many times within disable_window seconds (default
# 3600) is DISABLED instead, for disable_persist seconds (default 86400). The
# default, 999999999, never disables; the drill costs its task one failure.
retry_count = 3
"""

WORKER_CFG = f"""\
# The workers' configuration for `make scale-out` (tools/scale_out.py writes
# it): every worker host reads it, through LUIGI_CONFIG_PATH.

[core]
autoload_range = false
log_level = INFO

[worker]
# Stay while luigid has pending tasks for this worker, even when none is ready
# right now (default false: such a worker exits). A task of a lost host comes
# back only after worker_disconnect_delay + retry_delay (see luigid.cfg).
keep_alive = true
# A waiting worker asks for work every wait_interval seconds plus a random
# 0 to wait_jitter seconds (defaults 1 and 5).
wait_interval = 0.5
wait_jitter = 0.5
# How often the worker tells luigid that it is still there (the default).
ping_interval = 1

[pace]
# How long each task of chapter 6 pretends to work (default 2 seconds).
seconds = {PACE:g}

[retcode]
# A worker exits non-zero only when something failed. Tasks that another host
# ran count as success here (luigi's default): the hosts share the graph on purpose.
task_failed = 30
scheduling_error = 35
unhandled_exception = 40
"""

# One line of a worker's log, when a task starts or ends:
# INFO: [pid 12] Worker Worker(salt=..., host=worker-a, username=root, pid=10) running   Work(group=0, part=1)
LOG_LINE = re.compile(r"Worker Worker\(.*?host=([^,)]+).*?\) (running|done|failed)\s+(\S.*)$")


class Refused(Exception):
    """The demo cannot run here: one line says why."""


class Failed(Exception):
    """The demo ran, and something did not happen as it should."""


def refusal():
    """Why the demo cannot run on this machine, or None if it can."""
    if not sys.platform.startswith("linux"):
        return "needs Linux: its hosts are Linux network namespaces"
    for command, package in [("ip", "iproute2"), ("unshare", "util-linux")]:
        if shutil.which(command) is None:
            return f"needs the `{command}` command ({package}), which is not on PATH"
    if os.geteuid() != 0:
        return "needs root, to create network namespaces (e.g. `sudo make scale-out`)"
    return None


def host_of(worker_id):
    """The host in a luigi worker id: Worker(salt=..., workers=2, host=worker-a, ...)."""
    found = re.search(r"host=([^,)]+)", worker_id or "")
    return found.group(1) if found else None


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


class Lab:
    """The hosts: network namespaces, the links between them, and the
    processes started in them. teardown() removes all of it."""

    def __init__(self):
        me = os.getpid()
        self.tag = f"{TAG}{me}-{int(processes.started_at(me))}"  # the demo's pid and start time: see sweep()
        self.namespace = {SCHEDULER: f"{self.tag}-sched"} | {host: f"{self.tag}-{host[-1]}" for host in WORKER_HOSTS}
        self.created = []
        self.processes = []

    def ip(self, *arguments):
        done = subprocess.run(["ip", *arguments], capture_output=True, text=True)
        if done.returncode != 0:
            raise Failed(f"`ip {' '.join(arguments)}` failed: {done.stderr.strip()}")

    def build(self):
        """A bridge on the scheduler host, and one virtual Ethernet cable from
        each worker host to it; both ends are created inside the namespaces."""
        sched = self.namespace[SCHEDULER]
        for namespace in self.namespace.values():
            try:
                self.ip("netns", "add", namespace)
            except Failed as error:
                if not self.created:  # the very first one: this machine cannot do it at all
                    raise Refused(f"cannot create a network namespace: {str(error).splitlines()[0]}") from None
                raise
            self.created.append(namespace)
            self.ip("-n", namespace, "link", "set", "lo", "up")
        self.ip("-n", sched, "link", "add", "br0", "type", "bridge")
        self.ip("-n", sched, "address", "add", f"{ADDRESS[SCHEDULER]}/24", "dev", "br0")
        self.ip("-n", sched, "link", "set", "br0", "up")
        for host in WORKER_HOSTS:
            port = f"port-{host[-1]}"  # the bridge's end of the cable; eth0 is the worker host's end
            self.ip("-n", sched, "link", "add", port, "type", "veth", "peer", "eth0", "netns", self.namespace[host])
            self.ip("-n", sched, "link", "set", port, "master", "br0", "up")
            self.ip("-n", self.namespace[host], "address", "add", f"{ADDRESS[host]}/24", "dev", "eth0")
            self.ip("-n", self.namespace[host], "link", "set", "eth0", "up")

    def start(self, host, command, log, cwd, env):
        """Start command on host, with that host name, in a session of its own,
        under guard: each step execs the next, so the guard is this process's
        own child, and ends the command when the demo is gone."""
        on_host = ["ip", "netns", "exec", self.namespace[host], "unshare", "--uts", "--"]
        set_name = ["sh", "-c", 'hostname "$0" && exec "$@"', host]
        guarded = [sys.executable, "-I", "-c", processes.GUARD, str(ROOT), "--", *command]
        with open(log, "ab") as output:
            process = processes.start(
                [*on_host, *set_name, *guarded], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def api(self, method, **arguments):
        """Call luigid's HTTP API from the scheduler host (this machine's own
        network cannot reach the namespaces' network)."""
        query = urllib.parse.urlencode({"data": json.dumps(arguments)})
        url = f"http://{ADDRESS[SCHEDULER]}:{PORT}/api/{method}?{query}"
        fetch = "import sys, urllib.request as r; sys.stdout.write(r.urlopen(sys.argv[1], timeout=5).read().decode())"
        done = subprocess.run(
            ["ip", "netns", "exec", self.namespace[SCHEDULER], sys.executable, "-I", "-S", "-c", fetch, url],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise Failed(f"luigid's API did not answer {method}: {done.stderr.strip().splitlines()[-1:]}")
        return json.loads(done.stdout)["response"]

    def teardown(self):
        """Kill every process group started here, then anything still inside
        the namespaces (only this demo starts processes there), then remove
        the namespaces; the links and the bridge go with them."""
        for process in self.processes:
            processes.stop(process, first=signal.SIGKILL)
        for namespace in reversed(self.created):
            listed = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True)
            for pid in listed.stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        left = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
        self.created = [namespace for namespace in self.created if namespace in left]
        return not self.created


class Logs:
    """Follows the logs of a round as they grow, like `tail -f`."""

    def __init__(self, paths):
        self.paths = paths
        self.offsets = dict.fromkeys(paths, 0)

    def new_lines(self):
        lines = []
        for name, path in self.paths.items():
            with contextlib.suppress(FileNotFoundError), open(path, "rb") as log:
                log.seek(self.offsets[name])
                text = log.read()
                complete = text[: text.rfind(b"\n") + 1]
                self.offsets[name] += len(complete)
                lines += [(name, line) for line in complete.decode(errors="replace").splitlines()]
        return lines


def task_events(lines):
    """(host, 'running' | 'done' | 'failed', task) for each task line of the workers' logs."""
    for _, line in lines:
        found = LOG_LINE.search(line)
        if found:
            yield found.groups()


class Round:
    def __init__(self, lab, number):
        self.lab, self.number = lab, number
        self.folder = SCRATCH / f"round-{number}"
        self.folder.mkdir(parents=True)
        shutil.rmtree(SHARED / "dummy-outputs", ignore_errors=True)  # fresh outputs
        self.logs = Logs({host: self.folder / f"{host}.log" for host in WORKER_HOSTS})
        self.luigid_log = Logs({SCHEDULER: self.folder / "luigi-server.log"})
        self.events = []  # (host, what, task), in log order
        self.started = None

    def clock(self):
        return time.monotonic() - self.started

    def say(self, text):
        print(f"  t+{self.clock():4.1f}s  {text}", flush=True)

    def start_luigid(self):
        command = [sys.executable, "-m", "tools.luigid", "serve", "--address", ADDRESS[SCHEDULER], "--port", str(PORT)]
        command += ["--folder", str(self.folder), "--logdir", str(self.folder)]
        env = processes.command_env(config=SCRATCH / "luigid.cfg") | {"PYTHONPATH": str(ROOT)}
        self.luigid = self.lab.start(SCHEDULER, command, self.folder / "luigid.out", self.folder, env)
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(Failed):
                self.lab.api("task_list")
                return
            if self.luigid.poll() is not None or time.monotonic() > deadline:
                raise Failed(f"luigid did not start; see {shown(self.folder)}/luigid.out and luigi-server.log")
            time.sleep(0.2)

    def start_workers(self):
        self.started = time.monotonic()
        self.workers = {}
        for host in WORKER_HOSTS:
            command = [sys.executable, str(CHAPTER), "--workers", str(WORKERS), "--scheduler-host", ADDRESS[SCHEDULER]]
            tmp = SCRATCH / "hosts" / host / "tmp"  # the host's own /tmp
            env = processes.no_proxy_for(processes.command_env(tmp, SCRATCH / "worker.cfg"), ADDRESS[SCHEDULER])
            self.workers[host] = self.lab.start(host, command, self.logs.paths[host], SHARED, env)

    def follow(self):
        """Read what the logs say since the last call."""
        new = list(task_events(self.logs.new_lines()))
        self.events += new
        return new

    def running_on(self, host):
        """The tasks that host has started and not finished, by its log."""
        started = Counter(task for h, what, task in self.events if h == host and what == "running")
        ended = Counter(task for h, what, task in self.events if h == host and what != "running")
        return sorted((started - ended).elements())

    def wait_for_workers(self, killed=()):
        deadline = self.started + ROUND_TIMEOUT
        while any(process.poll() is None for process in self.workers.values()):
            if time.monotonic() > deadline:
                raise Failed(f"round {self.number} did not end within {ROUND_TIMEOUT} s; see {shown(self.folder)}/")
            time.sleep(0.1)
        self.follow()
        for host, process in self.workers.items():
            if host not in killed and process.returncode != 0:
                tail = "\n".join(self.logs.paths[host].read_text(errors="replace").splitlines()[-8:])
                raise Failed(f"{host}'s worker exited with {process.returncode}:\n{tail}")

    def finish(self):
        """luigid's view of the round, saved for the tests; then stop luigid."""
        self.tasks = self.lab.api("task_list")
        (self.folder / "tasks.json").write_text(json.dumps(self.tasks, indent=1))
        processes.stop(self.luigid, first=signal.SIGTERM)
        self.ran_by = {task["display_name"]: host_of(task["worker_running"]) for task in self.tasks.values()}
        not_done = sorted(task["display_name"] for task in self.tasks.values() if task["status"] != "DONE")
        if not_done:
            raise Failed(f"luigid says these tasks are not DONE: {', '.join(not_done)}")
        runs = Counter(task for _, what, task in self.events if what == "running")
        done = {task: host for host, what, task in self.events if what == "done"}
        for name, host in self.ran_by.items():
            if done.get(name) != host:
                raise Failed(f"luigid says {host} ran {name}, the logs say {done.get(name)}")
        return runs

    def show_hosts(self):
        for host in WORKER_HOSTS:
            names = sorted(name for name, by in self.ran_by.items() if by == host)
            print(f"  {host} ran {plural(len(names), 'task')}:")
            line = ""
            for name in names:  # a few on each line, never split
                if line and len(line) + len(name) > 96:
                    print(f"    {line.rstrip()}")
                    line = ""
                line += f"{name}  "
            print(f"    {line.rstrip()}")

    def shares(self):
        counts = Counter(self.ran_by.values())
        return ", ".join(f"{host} {counts[host]}" for host in WORKER_HOSTS if counts[host])


def round_one(lab):
    print(f"\nRound 1: {', '.join(WORKER_HOSTS)} run the graph at the same time.", flush=True)
    run = Round(lab, 1)
    run.start_luigid()
    run.start_workers()
    run.wait_for_workers()
    runs = run.finish()
    run.show_hosts()
    not_once = sorted(task for task in run.ran_by.keys() | runs.keys() if runs[task] != 1 or task not in run.ran_by)
    if not_once:
        raise Failed(f"these tasks did not run exactly once: {', '.join(not_once)}")
    hosts = set(run.ran_by.values())
    if len(hosts) < 2:
        raise Failed(f"the work was not shared: {run.shares()}")
    print(
        f"Round 1: {len(run.tasks)} tasks, each ran exactly once (luigid: {len(run.tasks)} DONE), in"
        f" {run.clock():.1f} s;\n  the work was shared by {len(hosts)} hosts: {run.shares()}."
    )
    return {"tasks": len(run.tasks), "ran_by": run.ran_by, "seconds": round(run.clock(), 1)}


def interrupt_victim(run):
    """Wait until the victim host's log shows a task half-way through, then
    kill the victim's processes. Returns the tasks it was running."""
    deadline = run.started + ROUND_TIMEOUT
    seen = {}
    while True:
        for host, what, task in run.follow():
            if host == VICTIM and what == "running":
                seen.setdefault(task, run.clock())
        busy = run.running_on(VICTIM)
        if busy and run.clock() >= min(seen[task] for task in busy) + PACE / 2:
            break
        if run.workers[VICTIM].poll() is not None or time.monotonic() > deadline:
            raise Failed(f"{VICTIM} never ran a task that the drill could interrupt")
        time.sleep(0.05)
    run.say(f"{VICTIM} is running {', '.join(busy)}")
    processes.stop(run.workers[VICTIM], first=signal.SIGKILL)
    run.say(f"killed {VICTIM}: SIGKILL to all its processes; it stops pinging luigid")
    run.follow()  # its last lines: what it was running when it died
    return run.running_on(VICTIM)


def round_two(lab):
    print(
        f"\nRound 2, the failure drill: fresh outputs and a fresh luigid; {VICTIM} is killed in the middle of a task."
    )
    run = Round(lab, 2)
    run.start_luigid()
    run.start_workers()
    run.say(f"{', '.join(WORKER_HOSTS)} start the graph")
    busy = interrupt_victim(run)
    killed_at = run.clock()
    # Watch luigid's log for the moment it gives up on the victim, and the
    # workers' logs for who takes its tasks over.
    noticed, taken = [], {}

    def watch():
        for _, line in run.luigid_log.new_lines():
            gone = re.search(r"is marked as running by disconnected worker '(.*?)' -> marking as FAILED", line)
            if gone and host_of(gone.group(1)) == VICTIM and not noticed:
                noticed.append(run.clock())
                run.say(
                    f"luigid: {VICTIM} is gone (no ping for {DISCONNECT_DELAY} s): its tasks are FAILED,"
                    f" and PENDING again after {RETRY_DELAY} s"
                )
        for host, what, task in run.follow():
            if what == "running" and task in busy and task not in taken:
                taken[task] = run.clock()
                run.say(f"{host} takes over {task}")
            if what == "done" and task.startswith("Report"):
                run.say(f"{host} finished {task}: the report is complete")

    deadline = run.started + ROUND_TIMEOUT
    while any(process.poll() is None for process in run.workers.values()):
        watch()
        if time.monotonic() > deadline:
            raise Failed(f"round 2 did not end within {ROUND_TIMEOUT} s; see {shown(run.folder)}/")
        time.sleep(0.1)
    watch()  # the last lines
    run.wait_for_workers(killed={VICTIM})
    runs = run.finish()
    if not noticed:
        raise Failed(f"luigid's log never said that {VICTIM}'s worker was gone")
    for task in busy:
        if run.ran_by[task] in (VICTIM, None) or runs[task] != 2:
            raise Failed(f"{task} was not run again by another host (luigid: {run.ran_by[task]}, runs: {runs[task]})")
    not_once = sorted(task for task in run.ran_by if task not in busy and runs[task] != 1)
    if not_once:
        raise Failed(f"these tasks did not run exactly once: {', '.join(not_once)}")
    takeover = max(taken.values()) - killed_at
    takers = sorted({run.ran_by[task] for task in busy})
    print(
        f"Round 2: {len(run.tasks)} tasks DONE (luigid), in {run.clock():.1f} s; the {plural(len(busy), 'task')}"
        f" that {VICTIM} was running when killed\n  ran again on {' and '.join(takers)}, {takeover:.1f} s after"
        " the kill; every other task ran exactly once."
    )
    return {
        "tasks": len(run.tasks),
        "ran_by": run.ran_by,
        "killed": busy,
        "taken_over_by": {task: run.ran_by[task] for task in busy},
        "takeover_seconds": round(takeover, 1),
        "seconds": round(run.clock(), 1),
    }


def introduce(lab):
    command = f"python {shown(CHAPTER)} --workers {WORKERS} --scheduler-host {ADDRESS[SCHEDULER]}"
    luigid = f"luigid --address {ADDRESS[SCHEDULER]} --port {PORT} --state-path {shown(SCRATCH)}/round-N/state.pickle"
    print(f"Hosts: network namespaces of this machine ({lab.tag}-*), on {NETWORK}.0/24, a network only they see.")
    print(f"  {SCHEDULER:<10} {ADDRESS[SCHEDULER]:<11} {luigid}")
    for index, host in enumerate(WORKER_HOSTS):
        print(f"  {host:<10} {ADDRESS[host]:<11} {command if index == 0 else 'the same command, at the same time'}")
    print(
        "Storage: luigi does not move data between hosts, so the targets must be on storage every worker sees.\n"
        "  Here the hosts share this machine's disk, standing in for a shared file system (NFS) or object storage\n"
        f"  through luigi.contrib: each host runs in {shown(SHARED)}/ and writes its outputs there.\n"
        f"Settings: luigid's in {shown(SCRATCH)}/luigid.cfg (worker_disconnect_delay = {DISCONNECT_DELAY},"
        f" prune_on_get_work = true,\n  retry_delay = {RETRY_DELAY}); the workers' in {shown(SCRATCH)}/worker.cfg"
        f" (keep_alive = true, [pace] seconds = {PACE:g})."
    )


def sweep():
    """Remove the namespaces (and what runs in them) of a demo that was killed
    outright: its name tag holds its pid and start time, and it is gone."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    left = {}
    for name in listed:
        found = re.fullmatch(rf"{TAG}(\d+)-(\d+)-\w+", name)
        if found and not processes.alive(int(found[1]), float(found[2])):
            left.setdefault(found[0].rsplit("-", 1)[0], []).append(name)
    for tag, namespaces in left.items():
        for namespace in namespaces:
            pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        print(f"(Removed what a stopped make scale-out left behind: {len(namespaces)} namespaces, {tag}-*.)")


def main():
    reason = refusal()
    if reason:
        print(f"scale-out: {reason}", file=sys.stderr)
        return REFUSED
    processes.on_stop()  # Ctrl-C, SIGTERM, SIGHUP, Ctrl-\: tear everything down on the way out
    sweep()
    try:
        with processes.claim(SCRATCH):
            return demo()
    except FileExistsError as owner:
        print(
            f"error: make scale-out is already running in this repo (pid {owner}); wait for it to end.", file=sys.stderr
        )
        return 1


def demo():
    lab = Lab()
    code = 1
    try:
        lab.build()
        for old in [
            SHARED,
            SCRATCH / "hosts",
            *SCRATCH.glob("round-*"),
            *SCRATCH.glob("*.cfg"),
            SCRATCH / "result.json",
        ]:
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        SHARED.mkdir(parents=True)
        (SCRATCH / "luigid.cfg").write_text(LUIGID_CFG)
        (SCRATCH / "worker.cfg").write_text(WORKER_CFG)
        introduce(lab)
        result = {"namespaces": list(lab.namespace.values()), "victim": VICTIM}
        result["round-1"] = round_one(lab)
        result["round-2"] = round_two(lab)
        (SCRATCH / "result.json").write_text(json.dumps(result, indent=1))
        code = 0
    except Refused as error:
        print(f"scale-out: {error}", file=sys.stderr)
        code = REFUSED
    except Failed as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        code = 130
    finally:
        with processes.held_back():  # tear down in peace
            built = len(lab.created)
            if lab.teardown():
                if built:
                    print(
                        f"\nTorn down: {built} namespaces with their links, luigid and the workers: nothing left "
                        "running."
                    )
            else:
                print(f"error: could not remove the namespaces {', '.join(lab.created)}", file=sys.stderr)
                code = code or 1
    return code


if __name__ == "__main__":
    sys.exit(main())
