"""Chapter 2, CreateOutput: a task that leaves a target behind.

A target is what a task produces: here a file on the local disk, a
luigi.LocalTarget. A task is complete when all the targets returned by its
output() exist, so luigi runs it only while its file is missing.

Writes through target.open("w") are atomic: luigi writes to a temporary file
and renames it to hello_world.txt when the file is closed. In a with block,
an exception skips that close, so a crash halfway never leaves a half-written
file that looks complete (an explicit close() always renames).

Run it from this folder:

    python main.py Hello --local-scheduler
    cat hello_world.txt

Then look at:
- run the command again: the summary now says the task was already complete
  ("1 complete ones were encountered") and nothing runs;
- delete hello_world.txt and run it once more;
- make run() raise an exception after the first write: is a file left behind?
- make run() write nothing: luigi still says it "ran successfully" (it does
  not look at the output after run()); only a task that needs the file fails.
"""

import sys

import luigi
import luigi.retcodes


class Hello(luigi.Task):
    """Write a greeting to hello_world.txt, once."""

    def output(self):
        # TODO 1: return a luigi.LocalTarget for the file hello_world.txt
        return luigi.LocalTarget("hello_world.txt")

    def run(self):
        # TODO 2: open self.output() with mode "w" in a with block; write "Hello World\n"
        with self.output().open("w") as greeting:
            greeting.write("Hello World\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
