"""Chapter 1, Basics: the smallest luigi task.

python main.py Hello --local-scheduler
"""

import sys

import luigi
import luigi.retcodes


class Hello(luigi.Task):
    def run(self):
        # TODO 1: print the words Hello World
        raise NotImplementedError("TODO 1")


if __name__ == "__main__":
    # TODO 2: hand the command line, sys.argv[1:], to luigi.retcodes.run_with_retcodes
    raise NotImplementedError("TODO 2")
