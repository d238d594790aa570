"""Chapter 6, Visualization: a graph of 37 tasks on luigi's central scheduler.

The tests that run the chapter's command start a real luigid of their own
(the `luigid` fixture of conftest.py, on a free port of 127.0.0.1), read its
HTTP API, and look at its web UI in a real headless Chromium.
"""

import contextlib
import http.server
import os
import re
import subprocess
import threading
import time
from collections import Counter

import luigi
import luigi.configuration
import luigi.scheduler
import luigi.worker
import pytest

from tools import browser
from tools import luigid as luigid_tool
from tools.check import show

CHAPTER = "Visualization"
GROUPS, PARTS = 4, 8
TASKS = GROUPS * PARTS + GROUPS + 1


def quick(seconds=0.01):
    """Make every task of this process pretend to work only briefly."""
    luigi.configuration.get_config().set("pace", "seconds", str(seconds))


def run_on_a_scheduler(task):
    """Run task on a scheduler in this process (the same Scheduler class that
    luigid serves), and return the scheduler, to read what the tasks told it."""
    scheduler = luigi.scheduler.Scheduler()
    with luigi.worker.Worker(scheduler=scheduler) as worker:
        worker.add(task)
        assert worker.run(), f"{task} failed"
    return scheduler


def test_todo1_the_report_needs_one_merge_per_group(chapter):
    main = chapter.load()
    required = main.Report().requires()
    expected = [main.Merge(group=group) for group in range(GROUPS)]
    assert isinstance(required, list), f"Report.requires() should return a list of tasks, not {show(required)}"
    assert sorted(required, key=str) == sorted(expected, key=str), (
        f"Report() should require {show(expected)}, not {show(required)}"
    )


def test_todo2_each_merge_needs_all_the_work_of_its_group(chapter):
    main = chapter.load()
    required = main.Merge(group=2).requires()
    expected = [main.Work(group=2, part=part) for part in range(PARTS)]
    assert isinstance(required, list), f"Merge.requires() should return a list of tasks, not {show(required)}"
    assert sorted(required, key=str) == sorted(expected, key=str), (
        f"Merge(group=2) should require {show(expected)}, not {show(required)}"
    )


def test_todo3_a_task_reports_its_progress_up_to_100_percent(chapter):
    main = chapter.load()
    quick()
    work = main.Work(group=0, part=0)
    task = run_on_a_scheduler(work).task_list("DONE", "")[work.task_id]
    assert task["progress_percentage"] == 100, (
        "after its last step, a task should have reported 100 (percent) with set_progress_percentage, "
        f"not {show(task['progress_percentage'])}"
    )


def test_todo4_a_task_tells_the_scheduler_what_it_is_doing(chapter):
    main = chapter.load()
    quick()
    work = main.Work(group=0, part=0)
    task = run_on_a_scheduler(work).task_list("DONE", "")[work.task_id]
    message = task["status_message"]
    assert isinstance(message, str) and message.strip(), (
        f"a task should send a status message with set_status_message, not {show(message)}"
    )


def test_documented_command_runs_every_task_on_luigid(ran):
    chapter, result = ran
    assert result.returncode == 0, f"`{chapter.chapter.command}` failed:\n{result.stdout}"
    succeeded = re.search(r"^\* (\d+) ran successfully", result.stdout, re.M)
    count = int(succeeded[1]) if succeeded else 0
    assert count == TASKS, (
        f"`{chapter.chapter.command}` should run all {TASKS} tasks (a Report, {GROUPS} Merges and"
        f" {GROUPS * PARTS} Works), not {count}"
    )
    report = chapter.copy() / "dummy-outputs" / "report.txt"
    assert report.read_text() == f"Report: {GROUPS} groups of {PARTS} parts, all done\n"

    tasks = chapter.luigid.api("task_list", status="", upstream_status="", search="")
    assert len(tasks) == TASKS, f"luigid should know {TASKS} tasks, not {len(tasks)}"
    assert {task["status"] for task in tasks.values()} == {"DONE"}, "every task should be DONE"
    assert {task["progress_percentage"] for task in tasks.values()} == {100}, "every task should end at 100%"


def test_a_rerun_finds_the_report_complete_by_its_file_not_by_the_scheduler(ran):
    """Run again, nothing runs, also on a scheduler that has never heard of
    the first run: the worker finds Report complete because report.txt exists."""
    chapter, first = ran
    assert first.returncode == 0, first.stdout
    again = chapter.cli(f"{chapter.chapter.command} --local-scheduler")
    assert again.returncode == 0, again.stdout
    assert "* 1 complete ones were encountered:\n    - 1 Report()" in again.stdout, again.stdout
    assert "Did not run any tasks" in again.stdout


def test_luigid_serves_the_dependency_graph_of_the_report(ran):
    chapter, first = ran
    assert first.returncode == 0, first.stdout
    main = chapter.load()
    graph = chapter.luigid.api("dep_graph", task_id=main.Report().task_id)
    families = Counter(node["name"] for node in graph.values())
    assert families == {"Work": GROUPS * PARTS, "Merge": GROUPS, "Report": 1}, families
    for task_id, node in graph.items():
        below = Counter(graph[dep]["name"] for dep in node["deps"])
        expected = {"Report": {"Merge": GROUPS}, "Merge": {"Work": PARTS}, "Work": {}}[node["name"]]
        assert below == expected, f"{task_id} depends on {dict(below)}, expected {expected}"
    for group in range(GROUPS):
        merge = graph[main.Merge(group=group).task_id]
        assert {graph[dep]["params"]["group"] for dep in merge["deps"]} == {str(group)}, "a Merge needs its own group"


# The guards of main.py's `__main__` block, which no blank touches: make test
# runs them, make check (thorough) does not.
@pytest.mark.thorough
@pytest.mark.parametrize(
    ("option", "error"),
    [
        # luigi would read it only in each task, and print 32 tracebacks:
        ("--pace-seconds abc", "error: --pace-seconds: could not convert string to float: 'abc'"),
        ("--pace-seconds -1", "error: --pace-seconds: -1 is not in the set of float in [0.0, 60.0)"),
        # luigi would say that each task "was not granted run permission":
        ("--workers 0", "error: --workers 0: with no worker, no task would run"),
        # luigi would end in a traceback:
        ("--scheduler-url notaurl", "error: --scheduler-url 'notaurl' is not a web address"),
    ],
)
def test_a_setting_that_makes_no_sense_stops_before_anything_runs(chapter, option, error):
    result = chapter.cli(f"{chapter.chapter.command} {option}", timeout=60)
    assert result.returncode != 0, f"{option} must fail:\n{result.stdout}"
    assert result.stdout.startswith(error), f"{option} should fail saying {error!r}, not:\n{result.stdout}"
    assert "Traceback" not in result.stdout, result.stdout
    assert not chapter.written(), "nothing may run"
    assert chapter.luigid.api("task_list", status="", upstream_status="") == {}, "luigid should hear of no task"


@pytest.mark.thorough
@pytest.mark.parametrize("other", ["a web server that is not luigid", "nothing"])
def test_the_scheduler_port_is_checked_at_once(chapter, other):
    """luigi would try 3 times, 30 seconds apart, before giving up."""
    with contextlib.ExitStack() as stack:
        if other == "nothing":
            port, expected = luigid_tool.free_port(), "error: no central scheduler answers at"
        else:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
            stack.enter_context(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.shutdown)
            port, expected = server.server_address[1], "error: something other than luigid answers at"
        start = time.monotonic()
        try:
            result = chapter.cli(f"{chapter.chapter.command} --scheduler-port {port}", timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"with {other} on the scheduler's port, the command should stop at once, not wait")
    assert result.returncode != 0, result.stdout
    assert result.stdout.startswith(f"{expected} http://localhost:{port}/"), result.stdout
    assert time.monotonic() - start < 10
    assert not chapter.written(), "nothing may run"


@pytest.mark.thorough
def test_a_proxy_in_the_way_of_luigid_is_named_at_once(chapter):
    """A corporate laptop's http_proxy, with no no_proxy for localhost: luigi
    would send its calls to luigid through the proxy, and fail after a minute."""
    proxied = f"env -u no_proxy -u NO_PROXY http_proxy=http://127.0.0.1:{luigid_tool.free_port()}"
    result = chapter.cli(f"{proxied} {chapter.chapter.command} --scheduler-port {chapter.luigid.port}", timeout=20)
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith("error: the proxy http://127.0.0.1:"), result.stdout
    assert "export no_proxy=localhost,127.0.0.1" in result.stdout, result.stdout
    assert not chapter.written(), "nothing may run"


@pytest.mark.thorough
def test_two_processes_on_the_same_graph_run_each_task_once(chapter):
    """Two workers started together, as if on two machines, with the options
    the README gives for that: luigid hands each task to exactly one of them.

    --no-lock: on one machine, luigi would turn the second away as "already
    running". --retcode-...: each worker counts the tasks that the other one
    ran as "not run" (exit code 25 in luigi.cfg) or "already running" (10);
    here, that is the plan, not a failure (a failed task still exits 30)."""
    command = f"{chapter.chapter.command} --no-lock --retcode-not-run 0 --retcode-already-running 0 --pace-seconds 0.2"
    results = chapter.twice_at_once(command, timeout=60)
    for result in results:
        assert result.returncode == 0, result.stdout
    outputs = [result.stdout for result in results]
    ran = Counter(
        name for output in outputs for name in re.findall(r"Worker\(.*\) running\s+(\S.*)$", output, re.MULTILINE)
    )
    assert len(ran) == TASKS, f"{TASKS} tasks should have run, not {len(ran)}: {sorted(ran)}"
    twice = [name for name, count in ran.items() if count > 1]
    assert not twice, f"these tasks ran more than once: {twice}"
    per_process = [sum(int(n) for n in re.findall(r"\* (\d+) ran successfully", output)) for output in outputs]
    assert sum(per_process) == TASKS and all(per_process), (
        f"both processes should share the {TASKS} tasks: {per_process}"
    )


@pytest.mark.thorough
def test_the_visualiser_draws_the_graph_in_a_browser(chapter):
    if browser.find() is None:
        message = f"the browser test needs Chromium: {browser.INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(f"on CI, {message} (.ci/run installs it)")
        pytest.skip(message)
    assert chapter.cli().returncode == 0
    report = chapter.load().Report().task_id
    page = f"{chapter.luigid.url}static/visualiser/index.html#tab=graph&taskId={report}"
    for _ in range(3):  # the page draws from the API; on a slow machine, give it another go
        html = browser.dom(page)
        nodes = re.findall(r'class="graph-node-a" data-task-status="(\w+)" data-task-id="([^"]+)"', html)
        if len(nodes) == TASKS:
            break
        time.sleep(1)
    drawn = dict((task_id, status) for status, task_id in nodes)
    assert len(drawn) == TASKS, f"the dependency graph page should draw {TASKS} task nodes, not {len(drawn)}"
    assert report in drawn, "the graph should show the Report"
    assert set(drawn.values()) == {"DONE"}, f"every node should be drawn as DONE: {Counter(drawn.values())}"
    assert html.count('fill="#00DD00"') >= TASKS, "done tasks are drawn green"
    assert "<title>Luigi Task Visualiser</title>" in html or "Luigi Task Status" in html
