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
    name = luigi.Parameter(description="Who to greet, e.g. Belgrade")
    # TODO 2: declare times, a luigi.IntParameter with a description and the default 1
    times = luigi.IntParameter(default=1, description="How many lines of greeting to write")
    # TODO 3: declare date, a luigi.DateParameter with a description and the default datetime.date.today()
    date = luigi.DateParameter(default=datetime.date.today(), description="The day of the greeting")

    def output(self):
        # TODO 4: return a luigi.LocalTarget named hello-<name>-<date>.txt, from self.name and self.date
        return luigi.LocalTarget(f"hello-{self.name}-{self.date}.txt")

    def run(self):
        with self.output().open("w") as greeting:
            for _ in range(self.times):
                greeting.write(f"Hello {self.name}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
