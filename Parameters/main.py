"""Chapter 3, Parameters: typed parameters make the command line.

python main.py Hello --local-scheduler --name Belgrade
python main.py Hello --help
"""

import datetime
import sys

import luigi
import luigi.retcodes


class Hello(luigi.Task):
    # TODO 1: declare name, a luigi.Parameter with a description and no default (so it is required)
    raise NotImplementedError("TODO 1")
    # TODO 2: declare times, a luigi.IntParameter with a description and the default 1
    raise NotImplementedError("TODO 2")
    # TODO 3: declare date, a luigi.DateParameter with a description and the default datetime.date.today()
    raise NotImplementedError("TODO 3")

    def output(self):
        # TODO 4: return a luigi.LocalTarget named hello-<name>-<date>.txt, from self.name and self.date
        raise NotImplementedError("TODO 4")

    def run(self):
        with self.output().open("w") as greeting:
            for _ in range(self.times):
                greeting.write(f"Hello {self.name}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
