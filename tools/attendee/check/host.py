"""The test process of `make check`: runs one chapter's tests with pytest and
writes what happens, as it happens, one JSON object a line: each test's start
and failure (with its blank and its message in the attendee's terms), then
the end. The checker reads the file, even if the tests never end.

It holds its own time limit, and it ends, with all it started, as soon as
the checker that started it is gone (tools.processes: crash-only).

    python -m tools.attendee.check.host RESULTS SHOWN LIMIT -- PYTEST_ARGUMENTS...
"""

import _thread
import contextlib
import faulthandler
import json
import re
import subprocess
import sys
import threading
import traceback
from pathlib import Path

import pluggy

from tools import processes
from tools.attendee.check.explain import excerpt, explain, in_main, own
from tools.chapters import TESTS
from tools.paths import ROOT

hookimpl = pluggy.HookimplMarker("pytest")  # pytest's own marker, without importing pytest yet
CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
SUFFIXES = (".py", ".pyc", ".so", ".pyd")


class Recorder:
    """A pytest plugin: writes each test's start and failure to the results file."""

    def __init__(self, path, shown):
        self.file, self.shown = open(path, "a", encoding="utf-8", errors="replace"), shown  # noqa: SIM115
        self.lock = threading.Lock()  # the time limit's thread writes too

    def local(self, message):
        """A message with the paths of the checker's copies shown as the attendee's own."""
        folder = Path(self.file.name).parent  # the checker's scratch folder, with the copies
        chapter = Path(self.shown).parent
        for scratch in {str(folder), str(folder.resolve())}:
            copy = re.escape(scratch) + r"[^\s'\"]*?/" + re.escape(chapter.name) + "/"
            message = re.sub(copy, f"{chapter}/", message)
            message = re.sub(re.escape(scratch) + r"/tests/[^/\s'\"]+/", "", message)  # a test's own folder
        return message

    def write(self, **record):
        with self.lock:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()

    def pytest_runtest_protocol(self, item):
        marked = item.get_closest_marker("blank")
        self.write(event="start", test=item.name, tree=tree_of(item), blank=marked.args[0] if marked else 0)

    @hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.failed and call.excinfo and not call.excinfo.errisinstance(KeyboardInterrupt):
            captured = "\n".join(content for _, content in report.sections)  # printed and logged
            blank, message = explain(call.excinfo.value, captured, self.shown, str(TESTS))
            marked = item.get_closest_marker("blank")
            at_import = blank == 0
            if blank is None:
                blank = marked.args[0] if marked else 0
            message = CLASS.sub(r"\1", excerpt(self.local(message), 14, 6))  # <class 'main.Producer'>: Producer
            self.write(
                event="failed", test=item.name, tree=tree_of(item), blank=blank, message=message, import_=at_import
            )
        return report

    def pytest_keyboard_interrupt(self, excinfo):
        """main.py raised KeyboardInterrupt itself (the time limit has its own record)."""
        mine = own("".join(traceback.format_exception(excinfo.value)), str(TESTS))
        if mine:
            frame = [f for f in mine[-1][0] if in_main(f)][-1]
            place = "at the top level of the file" if frame.function == "<module>" else f"in {frame.function}()"
            self.write(event="stopped", where=f"{self.shown}:{frame.line}, {place}", source=frame.source)

    def pytest_collectreport(self, report):
        if report.failed:
            self.write(event="failed", test="", tree="", blank=0, message=excerpt(str(report.longrepr)), import_=True)

    def pytest_sessionfinish(self):
        self.write(event="finished", hides=hiding(Path(self.shown).parent, self.copies()))

    def copies(self):
        return sorted(Path(self.file.name).parent.glob(f"tree/{Path(self.shown).parent.name}"))

    def where(self, thread_id):
        """Where main.py's code is in a thread, now: for a test stopped at the time limit."""
        frame = sys._current_frames().get(thread_id)
        mine = [f for f in traceback.extract_stack(frame) if Path(f.filename).name == "main.py"] if frame else []
        if not mine:
            return None
        place = "at the top level of the file" if mine[-1].name == "<module>" else f"in {mine[-1].name}()"
        return {"where": f"{self.shown}:{mine[-1].lineno}, {place}", "source": mine[-1].line or ""}


def tree_of(item):
    """The name of the tree a test ran on, when it ran on several (the judge's variants)."""
    tree = getattr(getattr(item, "callspec", None), "params", {}).get("tree")
    return Path(tree).name if tree else ""


def hiding(shown_folder, copies):
    """Files next to main.py with the name of a module that this process
    imported (luigi, or one that luigi or main.py imports): Python looks in
    main.py's folder first, and would import that file instead. Not those
    built into Python, nor those it imports as it starts, before it looks."""
    imported = {name.partition(".")[0] for name in sys.modules}
    candidates = {}
    for folder in copies:
        for path in sorted(folder.iterdir()):
            name = path.name if (path / "__init__.py").is_file() else next(
                (path.name.removesuffix(s) for s in SUFFIXES if path.name.endswith(s) and path.is_file()), None
            )  # fmt: skip
            if name and name != "main" and name in imported and name not in sys.builtin_module_names:
                candidates[name] = f"{shown_folder}/{path.name}{'/' if path.is_dir() else ''}"
    if not candidates:
        return []
    started = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; print(*sys.modules)"], capture_output=True, text=True
    )
    return [shown for name, shown in candidates.items() if name not in started.stdout.split()]


MEMORY = 2 * 1024**3  # bytes of data a check may hold: a run() that prints forever is held in memory


def limit_memory():
    """A MemoryError at MEMORY, rather than a laptop that swaps until the time limit (a loop that
    keeps printing or appending). Where the system has no such limit (macOS), nothing changes."""
    with contextlib.suppress(ImportError, ValueError, OSError, AttributeError):
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        soft = MEMORY if hard == resource.RLIM_INFINITY else min(MEMORY, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def main(argv):
    results, shown, limit = argv[0], argv[1], float(argv[2])
    pytest_args = argv[argv.index("--") + 1 :]
    processes.watch_parent(then=processes.end_my_group)  # the checker is gone: so is everything here
    limit_memory()
    sys.dont_write_bytecode = True
    recorder = Recorder(results, shown)
    main_thread = threading.main_thread().ident

    def time_is_up():
        stopped = recorder.where(main_thread)
        recorder.write(event="timeout", **(stopped or {}))
        _thread.interrupt_main()  # as Ctrl-C would: the tests stop cleanly (their luigid too)
        threading.Timer(processes.GRACE, processes.end_my_group).start()  # or not at all: by force

    timer = threading.Timer(limit, time_is_up)
    timer.daemon = True
    timer.start()
    faulthandler.dump_traceback_later(limit + 3 * processes.GRACE, exit=True)  # should Python itself hang
    import pytest  # here only: the checker starts quicker without it

    with contextlib.suppress(KeyboardInterrupt):
        return pytest.main([*pytest_args, f"--rootdir={ROOT}"], plugins=[recorder])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
