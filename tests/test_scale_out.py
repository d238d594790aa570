"""`make scale-out` (tools/scale_out.py): chapter 6's graph on three worker
hosts (network namespaces) with one luigid, then a host killed in the middle
of a task. It runs for real wherever it can (Linux, root, `ip netns`: CI);
elsewhere the tests skip with the demo's own one-line reason.

The checks read luigid's API (the demo saves task_list at the end of each
round), the workers' own logs, and what the demo printed."""

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tools import scale_out
from tools.chapters import ROOT, command_env


def namespaces():
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def links():
    """The network interfaces of this machine's own namespace."""
    listed = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip() for line in listed.splitlines()}


def demo_processes():
    """Processes of the demo of this repo (not of another copy's, such as
    the pages' example, which may run meanwhile): luigid keeps its state in
    the scratch folder, and the workers run in its shared folder."""
    found = set()
    for process in Path("/proc").glob("[0-9]*"):
        try:
            command = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            folder = os.readlink(process / "cwd")
        except OSError:
            continue  # the process ended meanwhile, or is not ours to read
        if str(scale_out.SCRATCH) in command or Path(folder).is_relative_to(scale_out.SHARED):
            found.add((int(process.name), command))
    return found


def others(names):
    """The namespaces that are no demo's: another demo's (the pages'
    example) may come and go while this one runs."""
    return {name for name in names if not name.startswith(scale_out.TAG)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One real run of `make scale-out`, with what was there before and after."""
    reason = scale_out.refusal()
    if reason:
        pytest.skip(f"make scale-out cannot run here: {reason}")
    before = namespaces(), links(), demo_processes()
    done = subprocess.run(
        ["make", "scale-out"],
        cwd=ROOT,
        env=command_env(tmp_path_factory.mktemp("scale-out")),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    after = namespaces(), links(), demo_processes()
    if done.returncode == scale_out.REFUSED:
        pytest.skip(done.stdout.strip().splitlines()[-2])  # the reason, above make's "Error 77"
    assert done.returncode == 0, done.stdout
    scratch = scale_out.SCRATCH
    return {
        "output": done.stdout,
        "before": before,
        "after": after,
        "result": json.loads((scratch / "result.json").read_text()),
        "api": {n: json.loads((scratch / f"round-{n}" / "tasks.json").read_text()) for n in (1, 2)},
        "logs": {n: worker_logs(scratch / f"round-{n}") for n in (1, 2)},
    }


def worker_logs(folder):
    """(host, 'running' | 'done', task) for every task line of the workers' logs."""
    events = []
    for host in scale_out.WORKER_HOSTS:
        for line in (folder / f"{host}.log").read_text().splitlines():
            found = re.search(r"Worker Worker\(.*?host=([^,]+),.*?\) (running|done)\s+(\S.*)$", line)
            if found:
                assert found.group(1) == host, f"{host}'s log shows a worker on another host: {line}"
                events.append(found.groups())
    return events


def ran_by(api):
    """Each task, and the host that luigid says ran it."""
    return {task["display_name"]: scale_out.host_of(task["worker_running"]) for task in api.values()}


def test_every_task_ran_exactly_once_and_every_host_took_a_share(demo):
    api, logs, output = demo["api"][1], demo["logs"][1], demo["output"]
    assert {task["status"] for task in api.values()} == {"DONE"}
    by = ran_by(api)
    runs = Counter(task for _, what, task in logs if what == "running")
    assert runs == Counter(set(by)), "every task luigid knows ran once, and nothing else ran"
    assert {task: host for host, what, task in logs if what == "done"} == by, "the logs agree with luigid"
    shares = Counter(by.values())
    assert set(shares) == set(scale_out.WORKER_HOSTS), f"every worker host ran tasks: {shares}"
    assert f"Round 1: {len(api)} tasks, each ran exactly once (luigid: {len(api)} DONE)" in output
    for host in scale_out.WORKER_HOSTS:
        assert f"  {host} ran {shares[host]} task" in output
        assert f"{host} {shares[host]}" in output


def test_a_host_killed_mid_task_is_replaced_by_another(demo):
    api, logs, output, result = demo["api"][2], demo["logs"][2], demo["output"], demo["result"]
    victim, killed = result["victim"], result["round-2"]["killed"]
    assert killed, "the drill killed the victim while it ran tasks"
    assert {task["status"] for task in api.values()} == {"DONE"}, "the report completed without the victim"
    by = ran_by(api)
    runs = Counter(task for _, what, task in logs if what == "running")
    for task in killed:
        assert (victim, "running", task) in logs and (victim, "done", task) not in logs
        assert by[task] != victim, f"luigid says {task} was run by {by[task]}"
        assert (by[task], "done", task) in logs
        assert runs[task] == 2, "started on the victim, run again on another host"
        assert f"{by[task]} takes over {task}" in output
    assert all(count == 1 for task, count in runs.items() if task not in killed)
    assert f"luigid: {victim} is gone (no ping for {scale_out.DISCONNECT_DELAY} s)" in output
    # luigid gave up on the victim after worker_disconnect_delay (counted from its
    # last ping, up to a second before the kill), then retry_delay later handed it out.
    takeover = result["round-2"]["takeover_seconds"]
    assert scale_out.DISCONNECT_DELAY - 1 <= takeover <= scale_out.DISCONNECT_DELAY + scale_out.RETRY_DELAY + 5
    assert f"{takeover:.1f} s after the kill" in output


def test_nothing_is_left_behind(demo):
    namespaces_before, links_before, processes_before = demo["before"]
    namespaces_after, links_after, processes_after = demo["after"]
    assert set(demo["result"]["namespaces"]).isdisjoint(namespaces_after)
    assert others(namespaces_after) == others(namespaces_before)
    assert links_after == links_before, "this machine's own interfaces are untouched"
    assert processes_after <= processes_before, "no luigid or worker of the demo is still running"
    assert "luigid and the workers: nothing left running." in demo["output"]


def refuse(command, env=None):
    return subprocess.run(
        command, cwd=ROOT, env=env or command_env(), capture_output=True, text=True, timeout=30, check=False
    )


def test_without_ip_it_refuses_at_once(tmp_path):
    before = namespaces() if shutil.which("ip") else None
    env = command_env() | {"PATH": str(tmp_path)}  # an empty folder: no `ip`, no `unshare`
    done = refuse([sys.executable, "-m", "tools.scale_out"], env)
    assert done.returncode == scale_out.REFUSED
    assert done.stderr == "scale-out: needs the `ip` command (iproute2), which is not on PATH\n"
    assert done.stdout == ""
    if before is not None:
        assert others(namespaces()) == others(before)


def test_without_root_it_refuses_at_once():
    if scale_out.refusal() and "root" not in scale_out.refusal():
        pytest.skip(scale_out.refusal())
    as_user = []
    if os.geteuid() == 0:
        # In a user namespace of its own, the process is not root (its uid there is
        # 65534, nobody), yet it still reads the repo and the venv wherever they are.
        as_user = ["unshare", "--user"]
    done = refuse([*as_user, sys.executable, "-m", "tools.scale_out"])
    assert done.returncode == scale_out.REFUSED
    assert done.stderr == "scale-out: needs root, to create network namespaces (e.g. `sudo make scale-out`)\n"
