"""Chapter 6, Visualization: a graph of 37 tasks on luigi's central scheduler.

The thorough tests run the chapter's command on a real luigid of the
module's own (on a free port of 127.0.0.1), read its HTTP API, and look at
its visualiser in a real headless Chromium."""

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
from harness import ChapterUnderTest, show, tasks_in

from tools import luigid as luigid_tool
from tools import processes
from tools.demos import browser

GROUPS, PARTS = 4, 8
TASKS = GROUPS * PARTS + GROUPS + 1


class Scheduler(luigi.scheduler.Scheduler):
    """The Scheduler class that luigid serves, in this process, keeping every progress it is told."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = []

    def set_task_progress_percentage(self, task_id, progress_percentage):
        self.progress.append(progress_percentage)
        return super().set_task_progress_percentage(task_id, progress_percentage)


def run_on_a_scheduler(task):
    """Run task, quickly, on a scheduler in this process: what the task told it
    is in its task list (and every progress in its .progress)."""
    luigi.configuration.get_config().set("pace", "seconds", "0.01")
    scheduler = Scheduler()
    with luigi.worker.Worker(scheduler=scheduler) as worker:
        worker.add(task)
        worker.run()
    found = scheduler.task_list("", "").get(task.task_id, {})
    return found | {"progress": scheduler.progress}


@pytest.mark.blank(1)
def test_the_report_needs_one_merge_per_group(chapter):
    main = chapter.load()
    required = tasks_in(main.Report().requires())
    expected = [main.Merge(group=group) for group in range(GROUPS)]
    assert sorted(required, key=str) == expected, f"Report() should require {show(expected)}, not {show(required)}"


@pytest.mark.blank(2)
def test_each_merge_needs_all_the_work_of_its_group(chapter):
    main = chapter.load()
    required = tasks_in(main.Merge(group=2).requires())
    expected = [main.Work(group=2, part=part) for part in range(PARTS)]
    assert sorted(required, key=str) == expected, (
        f"Merge(group=2) should require {show(expected)}, not {show(required)}"
    )


@pytest.mark.blank(3)
def test_a_task_reports_its_progress_up_to_100_percent(chapter):
    main = chapter.load()
    task = run_on_a_scheduler(main.Work(group=0, part=0))
    assert task.get("status") == "DONE", f"Work(group=0, part=0) should run, and be done: {show(task.get('status'))}"
    assert task["progress_percentage"] == 100, (
        "after its last step, a task should have reported 100 (percent) with task.set_progress_percentage(),"
        f" not {show(task['progress_percentage'])}"
    )
    told = task["progress"]
    assert len(set(told)) > 1 and told == sorted(told), (
        f"the progress should rise step by step, up to 100: it was {show(told)}"
    )


@pytest.mark.blank(4)
def test_a_task_tells_the_scheduler_what_it_is_doing(chapter):
    main = chapter.load()
    task = run_on_a_scheduler(main.Work(group=0, part=0))
    message = task.get("status_message")
    assert isinstance(message, str) and message.strip(), (
        f"a task should tell the scheduler what it does, with task.set_status_message(text), not {show(message)}"
    )


def test_the_command_runs(chapter):
    """The chapter's command, run in this process on the local scheduler: all of main.py works together."""
    ran = chapter.main(*("--local-scheduler", "--pace-seconds", "0"))
    assert ran.code == 0 and "This progress looks :)" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_command_runs_every_task_on_luigid(ran):
    chapter, result = ran
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    assert result.returncode == 0, result.stdout
    assert re.search(rf"^\* {TASKS} ran successfully", result.stdout, re.M), result.stdout
    assert (
        chapter.copy() / "dummy-outputs" / "report.txt"
    ).read_text() == f"Report: {GROUPS} groups of {PARTS} parts, all done\n"
    tasks = chapter.luigid.api("task_list", status="", upstream_status="", search="")
    assert len(tasks) == TASKS and {t["status"] for t in tasks.values()} == {"DONE"}
    assert {task["progress_percentage"] for task in tasks.values()} == {100}, "every task ends at 100%"


@pytest.mark.thorough
def test_luigid_serves_the_dependency_graph(ran):
    chapter, first = ran
    assert first.returncode == 0, first.stdout
    main = chapter.load()
    graph = chapter.luigid.api("dep_graph", task_id=main.Report().task_id)
    assert Counter(node["name"] for node in graph.values()) == {"Work": GROUPS * PARTS, "Merge": GROUPS, "Report": 1}
    for node in graph.values():
        below = Counter(graph[dep]["name"] for dep in node["deps"])
        assert below == {"Report": {"Merge": GROUPS}, "Merge": {"Work": PARTS}, "Work": {}}[node["name"]]


@pytest.mark.thorough
def test_a_rerun_finds_the_report_complete_by_its_file(ran):
    chapter, first = ran
    assert first.returncode == 0, first.stdout
    again = chapter.main("--local-scheduler")  # a scheduler that never heard of the first run
    assert again.code == 0 and "* 1 complete ones were encountered:\n    - 1 Report()" in again.output, again


@pytest.mark.thorough
def test_the_visualiser_draws_the_graph_in_a_browser(ran):
    chapter, first = ran
    if browser.find() is None:
        message = f"the browser test needs Chromium: {browser.INSTALL}"
        pytest.fail(f"on CI, {message} (.ci/run installs it)") if os.environ.get("CI") else pytest.skip(message)
    report = chapter.load().Report().task_id
    page = f"{chapter.luigid.url}static/visualiser/index.html#tab=graph&taskId={report}"
    for _ in range(3):  # the page draws from the API; on a slow machine, give it another go
        html = browser.dom(page)
        drawn = {task: status for status, task in re.findall(r'data-task-status="(\w+)" data-task-id="([^"]+)"', html)}
        if len(drawn) == TASKS:
            break
        time.sleep(1)
    assert len(drawn) == TASKS and report in drawn and set(drawn.values()) == {"DONE"}, Counter(drawn.values())
    assert html.count('fill="#00DD00"') >= TASKS, "done tasks are drawn green"


@pytest.mark.thorough
@pytest.mark.parametrize(
    ("option", "error"),
    [
        ("--pace-seconds abc", "error: --pace-seconds: could not convert string to float: 'abc'"),
        ("--pace-seconds -1", "error: --pace-seconds -1: give 0 to 60 seconds"),
        ("--workers 0", "error: --workers 0: with no worker, no task would run"),
        ("--scheduler-url notaurl", "error: --scheduler-url 'notaurl' is not a web address"),
    ],
)
def test_a_setting_that_makes_no_sense_stops_before_anything_runs(on_luigid, option, error):
    ran = on_luigid.main(*option.split(), "--scheduler-port", str(on_luigid.luigid.port))
    assert ran.code != 0 and ran.output.startswith(error), ran
    assert "Traceback" not in ran.output and not on_luigid.written()


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):  # it runs in this process: its log would be in the command's output
        pass


@pytest.mark.thorough
@pytest.mark.parametrize("other", ["a web server that is not luigid", "nothing"])
def test_the_scheduler_port_is_checked_at_once(chapter, other):
    """luigi would try 3 times, 30 seconds apart, before giving up."""
    with contextlib.ExitStack() as stack:
        if other == "nothing":
            port, expected = processes.free_port(), "error: no central scheduler answers at"
        else:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
            stack.enter_context(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.shutdown)
            port, expected = server.server_address[1], "error: something other than luigid answers at"
        start = time.monotonic()
        ran = chapter.main("--scheduler-port", str(port))
    assert ran.code != 0 and ran.output.startswith(f"{expected} http://localhost:{port}/"), ran
    assert time.monotonic() - start < 10 and not chapter.written()


@pytest.mark.thorough
def test_a_proxy_in_the_way_of_luigid_is_named_at_once(on_luigid):
    proxied = f"env -u no_proxy -u NO_PROXY http_proxy=http://127.0.0.1:{processes.free_port()}"
    result = on_luigid.cli(f"{proxied} {on_luigid.command}", timeout=20)
    assert result.returncode == 1 and result.stdout.startswith("error: the proxy http://127.0.0.1:"), result.stdout
    assert "export no_proxy=localhost,127.0.0.1" in result.stdout and not on_luigid.written()


@pytest.mark.thorough
def test_two_processes_on_the_same_graph_run_each_task_once(record, tree, tmp_path):
    """Two workers started together, as if on two machines, with the page's
    options for that: luigid hands each task to exactly one of them. On a
    luigid of the test's own: the module's saw the graph done moments ago."""
    scheduler = luigid_tool.start_on_free_port(tmp_path / "luigid")
    try:
        outputs, codes = twice_at_once(ChapterUnderTest(record, tree, tmp_path, scheduler))
    finally:
        scheduler.stop()
    assert codes == [0, 0], outputs
    ran = Counter(name for out in outputs for name in re.findall(r"Worker\(.*\) running\s+(\S.*)$", out, re.M))
    assert len(ran) == TASKS and max(ran.values()) == 1, ran
    shares = [sum(int(n) for n in re.findall(r"\* (\d+) ran successfully", out)) for out in outputs]
    assert sum(shares) == TASKS and all(shares), shares


def twice_at_once(chapter):
    command = f"{chapter.command} --no-lock --retcode-not-run 0 --retcode-already-running 0 --pace-seconds 0.2"
    env = processes.command_env(chapter.workdir / "tmp", chapter.config())
    merged = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    both = [subprocess.Popen(command, shell=True, cwd=chapter.copy(), env=env, **merged) for _ in range(2)]
    return [process.communicate(timeout=60)[0] for process in both], [process.returncode for process in both]
