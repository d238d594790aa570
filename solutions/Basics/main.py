"""Chapter 1, Basics: the smallest luigi task.

A task is a class that inherits from luigi.Task. Its run() method does the
work. The command line names the task to run, and --local-scheduler tells
luigi to schedule it inside this process instead of asking a luigid server.

Run it from this folder:

    python main.py Hello --local-scheduler

Then look at:
- "Hello World" between luigi's log lines, and the execution summary at the end;
- the UserWarning: Hello has no output(), so luigi cannot tell whether it
  has already run. Run the command again: what happens, and why?
- leave out --local-scheduler: luigi looks for a central scheduler on
  localhost:8082 (chapter 6 starts one). Press Ctrl-C to give up waiting.
"""

import sys

import luigi
import luigi.retcodes


class Hello(luigi.Task):
    """Print a greeting. With no output(), luigi runs it every time."""

    def run(self):
        # TODO 1: print the words Hello World
        print("Hello World")


if __name__ == "__main__":
    # Hand the command line ("Hello --local-scheduler") to luigi, which finds
    # the task class by its name and runs it. luigi.run() would only return
    # False when a task fails, and the script would still exit 0. This exits
    # with the codes of luigi.cfg's [retcode] section (by luigi's defaults, a
    # failed task exits 0 too), so that the shell, make and CI see a failure.
    # TODO 2: call luigi.retcodes.run_with_retcodes with the arguments sys.argv[1:]
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
