"""Chapter 3, Parameters: typed parameters become command-line options.

Each parameter declared on a task class becomes an option of the command line
(--name, --times, --date) and an argument of the constructor
(Hello(name="Belgrade")). The parameter's type parses the text from the
command line: luigi.Parameter keeps a string, luigi.IntParameter makes an int,
luigi.DateParameter a datetime.date from YYYY-MM-DD. A parameter without a
default is required; the description is shown by --help.

luigi parses and checks every value of the command line when it makes the
task, before anything runs: luigi.NumericalParameter's parse() refuses a
number out of its range. A parameter's normalize() sees every value, from
the command line or from Hello(name=...), and may refuse it, as
NameParameter does below.

Parameters are also the task's identity: Hello(name="Belgrade") and
Hello(name="Novi Sad") are two different tasks, so each needs its own output
file. That is why output() builds the file name from the parameters.

Run it from this folder:

    python main.py Hello --local-scheduler --name Belgrade
    cat hello-Belgrade-*.txt
    python main.py Hello --help

Then look at:
- leave out --name: luigi raises MissingParameterException;
- pass --times two, --times 0, --date 2026-02-30 or --name ../x: the value is
  checked before anything runs, and luigi stops with the error;
- run again with --name Belgrade --times 3: nothing runs. Why? (Which
  parameters does the output file name use?) How would you fix it?
- luigi.DateIntervalParameter takes a range such as 2026-11 or
  2026-11-01-2026-11-07 (the end date is not included: that is 1 to 6
  November); chapter 5 uses one.
"""

import datetime
import sys

import luigi
import luigi.retcodes


class NameParameter(luigi.Parameter):
    """A string that can be part of a file name: not empty, and no folder in it."""

    def normalize(self, name):
        # luigi passes every value of the parameter through normalize(), from the
        # command line or from Hello(name=...), before anything runs.
        if not name or "/" in name:
            raise ValueError(f"a name is part of a file name: it cannot be empty or hold a '/', not {name!r}")
        return name


class Hello(luigi.Task):
    """Greet someone, once per day, in a file of its own."""

    # TODO 1: declare name, a NameParameter (above) with a description and no default (so it is required)
    name = NameParameter(description="Who to greet, for example Belgrade")
    # (--help prints a NumericalParameter's description, then its permitted values: end it with a ; to part them)
    # TODO 2: declare times: a luigi.NumericalParameter with var_type=int, min_value=1, max_value=100, default=1
    times = luigi.NumericalParameter(
        var_type=int, min_value=1, max_value=100, default=1, description="How many lines of greeting to write;"
    )
    # TODO 3: declare date, a luigi.DateParameter with default=datetime.date.today() and a description
    date = luigi.DateParameter(default=datetime.date.today(), description="The day of the greeting (YYYY-MM-DD)")

    def output(self):
        # TODO 4: return a LocalTarget named hello-<name>-<date>.txt, from self.name and self.date
        return luigi.LocalTarget(f"hello-{self.name}-{self.date}.txt")

    def run(self):
        with self.output().open("w") as greeting:
            for _ in range(self.times):
                greeting.write(f"Hello {self.name}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
