"""Chapter 3, Parameters: typed parameters become command-line options.

Each parameter declared on a task class becomes an option of the command line
(--name, --times, --date) and an argument of the constructor
(Hello(name="Belgrade")). The parameter's type parses the text from the
command line: luigi.Parameter keeps a string, luigi.IntParameter makes an int,
luigi.DateParameter a datetime.date from YYYY-MM-DD. A parameter without a
default is required; the description is shown by --help.

Parameters are also the task's identity: Hello(name="Belgrade") and
Hello(name="Novi Sad") are two different tasks, so each needs its own output
file. That is why output() builds the file name from the parameters.

Run it from this folder:

    python main.py Hello --local-scheduler --name Belgrade
    cat hello-Belgrade-*.txt
    python main.py Hello --help

Then look at:
- leave out --name: luigi raises MissingParameterException;
- pass --times two, or --date 2026-02-30: the value is parsed before anything
  runs, and luigi stops with the parsing error;
- run again with --name Belgrade --times 3: nothing runs. Why? (Which
  parameters does the output file name use?) How would you fix it?
- luigi.DateIntervalParameter takes a range such as 2026-11 or
  2026-11-01-2026-11-07; chapter 5 uses one.
"""

import datetime
import sys

import luigi
import luigi.retcodes


class Hello(luigi.Task):
    """Greet someone, once per day, in a file of its own."""

    # TODO 1: declare name, a luigi.Parameter with a description and no default (so it is required)
    raise NotImplementedError("TODO 1: replace this line with your code")
    # TODO 2: declare times, a luigi.IntParameter with default=1 and a description
    raise NotImplementedError("TODO 2: replace this line with your code")
    # TODO 3: declare date, a luigi.DateParameter with default=datetime.date.today() and a description
    raise NotImplementedError("TODO 3: replace this line with your code")

    def output(self):
        # TODO 4: return a LocalTarget named hello-<name>-<date>.txt, from self.name and self.date
        raise NotImplementedError("TODO 4: replace this line with your code")

    def run(self):
        with self.output().open("w") as greeting:
            for _ in range(self.times):
                greeting.write(f"Hello {self.name}\n")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
