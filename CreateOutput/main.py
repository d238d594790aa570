"""Chapter 2, CreateOutput: a task that leaves a file behind.

python main.py Hello --local-scheduler
cat hello_world.txt
"""

import sys

import luigi
import luigi.retcodes


class Hello(luigi.Task):
    def output(self):
        # TODO 1: return a luigi.LocalTarget for the file hello_world.txt
        raise NotImplementedError("TODO 1")

    def run(self):
        # TODO 2: open self.output() for writing ("w") in a with block, and write the line Hello World
        raise NotImplementedError("TODO 2")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
