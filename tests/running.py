"""A command running in the background, as a terminal runs it: in a session of
its own (so that a Ctrl-C can go to its whole process group), each line of
its output read as it comes."""

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time


class Running:
    def __init__(self, command, cwd, env):
        self.process = subprocess.Popen(
            command, shell=isinstance(command, str), cwd=cwd, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True,
        )  # fmt: skip
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, text, timeout):
        """The time at which a line holding text came out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                at, line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return at
        raise AssertionError(f"no line with {text!r} within {timeout} s; the output:\n" + "\n".join(self.seen))

    def settle(self, quiet):
        """Read what comes until nothing has come for quiet seconds."""
        with contextlib.suppress(queue.Empty):
            while (item := self.lines.get(timeout=quiet))[1] is not None:
                self.seen.append(item[1])

    def signal_group(self, number=signal.SIGINT):
        """As the terminal sends Ctrl-C: to the whole foreground process group."""
        os.killpg(self.process.pid, number)

    def finish(self, timeout=30):
        """Wait for the end; the exit code, the rest of the output read."""
        self.process.wait(timeout=timeout)
        with self.process.stdout:
            while (item := self.lines.get(timeout=timeout))[1] is not None:
                self.seen.append(item[1])
        return self.process.returncode

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
