"""`make scale-out` (tools/demos/scale_out.py): chapter 6's graph on three worker
hosts (network namespaces) with one luigid, then a host killed in the middle of
a task. It runs once, for real, where it can (Linux, root, `ip netns`: CI), in a
fresh copy of the repo, from chapter 6's folder as its page shows it; what it
prints is compared with the page. The checks read luigid's API (saved by the
demo), the workers' own logs, and what the demo printed."""

import doctest
import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest

from tools.clone import copy_of_the_repo
from tools.demos import scale_out
from tools.paths import ROOT
from tools.processes import command_env


def namespaces():
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def links():
    """The network interfaces of this machine's own namespace."""
    listed = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip() for line in listed.splitlines()}


def page_block():
    """The output that chapter 6's page shows for make scale-out."""
    page = (ROOT / "Visualization" / "README.md").read_text()
    block = page.split("```text\n$ make scale-out\n", 1)[1].split("\n```", 1)[0]
    return block + "\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    reason = scale_out.refusal()
    if reason:
        message = f"make scale-out cannot run here: {reason}"
        pytest.fail(f"on CI, {message}") if os.environ.get("CI") else pytest.skip(message)
    repo = copy_of_the_repo(tmp_path_factory.mktemp("scale-out") / "repo", solved=False)
    before = namespaces(), links()
    done = subprocess.run(
        "make scale-out", shell=True, cwd=repo / "Visualization", env=command_env(repo / ".tmp"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    scratch = repo / ".scale-out"
    return {
        "output": done.stdout,
        "before": before,
        "after": (namespaces(), links()),
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
    return {task["display_name"]: scale_out.host_of(task["worker_running"]) for task in api.values()}


def test_it_prints_what_the_page_shows(demo):
    checker = doctest.OutputChecker()
    options = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert checker.check_output(page_block(), demo["output"], options), f"it printed:\n{demo['output']}"


def test_every_task_ran_exactly_once_and_every_host_took_a_share(demo):
    api, logs, output = demo["api"][1], demo["logs"][1], demo["output"]
    by = ran_by(api)
    assert {task["status"] for task in api.values()} == {"DONE"}
    assert Counter(task for _, what, task in logs if what == "running") == Counter(set(by)), "each ran once"
    assert {task: host for host, what, task in logs if what == "done"} == by, "the logs agree with luigid"
    shares = Counter(by.values())
    assert set(shares) == set(scale_out.WORKER_HOSTS), f"every worker host ran tasks: {shares}"
    assert all(f"  {host} ran {shares[host]} task" in output for host in scale_out.WORKER_HOSTS)


def test_a_host_killed_mid_task_is_replaced_by_another(demo):
    api, logs, output, result = demo["api"][2], demo["logs"][2], demo["output"], demo["result"]
    victim, killed = result["victim"], result["round-2"]["killed"]
    assert killed and {task["status"] for task in api.values()} == {"DONE"}
    by = ran_by(api)
    runs = Counter(task for _, what, task in logs if what == "running")
    for task in killed:
        assert (victim, "running", task) in logs and (victim, "done", task) not in logs
        assert by[task] != victim and (by[task], "done", task) in logs and runs[task] == 2
        assert f"{by[task]} takes over {task}" in output
    assert all(count == 1 for task, count in runs.items() if task not in killed)
    takeover = result["round-2"]["takeover_seconds"]
    assert scale_out.DISCONNECT_DELAY - 1 <= takeover <= scale_out.DISCONNECT_DELAY + scale_out.RETRY_DELAY + 5


def test_nothing_is_left_behind(demo):
    (_, links_before), (namespaces_after, links_after) = demo["before"], demo["after"]
    assert set(demo["result"]["namespaces"]).isdisjoint(namespaces_after)
    assert links_after == links_before, "this machine's own interfaces are untouched"


def test_without_ip_or_root_it_refuses_at_once(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tools.demos.scale_out"], cwd=ROOT, capture_output=True, text=True, timeout=30,
        env=command_env() | {"PATH": str(tmp_path)},  # an empty folder: no `ip`, no `unshare`
    )  # fmt: skip
    assert done.returncode == scale_out.REFUSED and done.stdout == ""
    assert done.stderr == "scale-out: needs the `ip` command (iproute2), which is not on PATH\n"
    if os.geteuid() == 0 and not scale_out.refusal():  # in a user namespace of its own, it is not root
        done = subprocess.run(
            ["unshare", "--user", sys.executable, "-m", "tools.demos.scale_out"], cwd=ROOT,
            capture_output=True, text=True, timeout=30, env=command_env(),
        )  # fmt: skip
        assert done.returncode == scale_out.REFUSED
        assert done.stderr == "scale-out: needs root, to create network namespaces (e.g. `sudo make scale-out`)\n"
