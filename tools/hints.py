"""The hints of `make hint`, one dict per chapter, one entry per blank.

Each blank has three levels:
1. what: what to do, in words, and a link to the page that explains the idea;
2. how: which luigi (or Python) API to use, with its signature or a similar
   example, never the answer itself;
3. the answer lines, which are not written here: `make hint` reads them from
   the chapter's solution (tools.blanks.answer), so they are never stored twice.

tests/test_hints.py checks that every blank of every chapter has both texts,
that neither text holds a line of its blank's answer, and that every link
names a page that exists.
"""

from dataclasses import dataclass

LUIGI = "https://luigi.readthedocs.io/en/stable/"
PYTHON = "https://docs.python.org/3/"


@dataclass(frozen=True)
class Hint:
    what: str  # level 1
    link: str  # level 1: where the idea is explained
    how: str  # level 2


Basics = {
    1: Hint(
        what="run() is where a task does its work: luigi calls it when it runs the task.\n"
        "Make yours print a single line: the words Hello World.",
        link=LUIGI + "tasks.html#task-run",
        how="Python's built-in print(text) writes a line; luigi shows it between its log lines.\n"
        'For example, print("Good morning") prints Good morning. Mind the exact words.',
    ),
    2: Hint(
        what="Hand the command line over to luigi: it finds the task by its name, runs it, and ends the\n"
        "program with the exit code that luigi.cfg's [retcode] section gives the outcome.",
        link=LUIGI + "configuration.html#retcode-config",
        how="luigi.retcodes.run_with_retcodes(argv) takes the arguments as a list of strings, without the\n"
        "program's own name: sys.argv holds the whole command line, and sys.argv[0] is main.py.",
    ),
}

CreateOutput = {
    1: Hint(
        what="output() says what the task leaves behind. The task is complete once every target that\n"
        "output() returns exists: return the target of the file hello_world.txt.",
        link=LUIGI + "tasks.html#task-output",
        how="luigi.LocalTarget(path) is a file on the local disk; a relative path starts from the folder\n"
        'you run the command in. For example: return luigi.LocalTarget("notes.txt")',
    ),
    2: Hint(
        what="Write the greeting through the target, not with open(): the target writes to a temporary\n"
        "file and renames it only when the with block ends without an error.",
        link=LUIGI + "tasks.html#task-run",
        how='target.open("w") returns a file to write to, like the built-in open(); self.output() is the\n'
        'target. For example: with some_target.open("w") as out: then out.write("one line\\n")',
    ),
}

Parameters = {
    1: Hint(
        what="Declare the parameter name as a class attribute: luigi makes it the --name option of the\n"
        "command line. Give it no default, so that the task cannot run without it.",
        link=LUIGI + "parameters.html",
        how="NameParameter, above, is a luigi.Parameter (it keeps the text as a string) that also refuses an\n"
        'empty name or one with a "/". Without default= it is required: city = luigi.Parameter(description="...")',
    ),
    2: Hint(
        what="Declare times, how many greeting lines run() writes: a whole number, 1 when the command\n"
        "line does not say.",
        link=LUIGI + "parameters.html#parameter-types",
        how="luigi.NumericalParameter(var_type=int, min_value=..., max_value=...) parses the text into an\n"
        "int and refuses one outside [min_value, max_value); default= and description= work as usual.\n"
        "For example: port = luigi.NumericalParameter(var_type=int, min_value=1024, max_value=65536, default=8080)",
    ),
    3: Hint(
        what="Declare date, the day of the greeting: a datetime.date, today unless --date says otherwise.",
        link=LUIGI + "parameters.html#parameter-types",
        how="luigi.DateParameter parses YYYY-MM-DD into a datetime.date; its default is a date object.\n"
        'For example: start = luigi.DateParameter(default=datetime.date(2026, 1, 1), description="...")',
    ),
    4: Hint(
        what="Hello(name=...) with another name or date is another task, so it needs a file of its own:\n"
        "build the file name from the parameters, e.g. hello-Belgrade-2026-11-02.txt.",
        link=LUIGI + "parameters.html#instance-caching",
        how="In a task, self.name and self.date hold the parsed values, and a date prints as YYYY-MM-DD,\n"
        'so an f-string fits them in a path: luigi.LocalTarget(f"report-{self.city}-{self.day}.csv")',
    ),
}

Dependencies = {
    1: Hint(
        what="Declare tld, the country code, as a parameter that takes only the codes in COUNTRIES:\n"
        "luigi then refuses --tld xx before anything runs, and lists the codes it knows.",
        link=LUIGI + "parameters.html#parameter-types",
        how="luigi.ChoiceParameter(choices=<the allowed values>, description=...) checks the value against\n"
        'choices. For example: size = luigi.ChoiceParameter(choices=("S", "M", "L"), description="...")',
    ),
    2: Hint(
        what="requires() names the tasks this one needs. luigi runs them first, unless they are complete\n"
        "already, and run() then finds their outputs in self.input().",
        link=LUIGI + "tasks.html#task-requires",
        how="Return a task object: the class called with its parameters, if it has any; not the class\n"
        "itself, nor its output. For example: return Download(day=self.day)",
    ),
    3: Hint(
        what="self.input() is the output of the task in requires(): the target of plays.tsv. Read it line\n"
        "by line (song, country, plays, tab-separated) and add up the plays of the lines of self.tld.",
        link=LUIGI + "tasks.html#task-input",
        how='target.open() reads (mode "r" is the default) in a with block, and a file loops line by line.\n'
        'text.rstrip("\\n").split("\\t") gives the fields as strings, int() a number; a Counter starts at 0.',
    ),
    4: Hint(
        what="Order the (song, total) pairs: the highest total first, and equal totals by song name,\n"
        "A to Z. This is plain Python, no luigi.",
        link=PYTHON + "howto/sorting.html",
        how="sorted(pairs, key=function) sorts by what the key returns; a tuple sorts by its first item,\n"
        "then the next; a minus sorts numbers high to low: sorted(people, key=lambda p: (-p.age, p.name))",
    ),
}

WordCount = {
    1: Hint(
        what="InputText is an ExternalTask: a file that someone else writes. Its output() is all luigi\n"
        "needs to know about it: return the target of that day's file, data/<date>.txt.",
        link=LUIGI + "tasks.html#requiring-another-task",
        how='Return a luigi.LocalTarget; for a date parameter, f"{self.date}" gives 2026-11-02.\n'
        'For example: luigi.LocalTarget(f"logs/{self.day}.log")',
    ),
    2: Hint(
        what="WordCount needs one input file per day of the interval: require one InputText for each day.\n"
        "requires() may return a list; self.input() is then the list of their targets.",
        link=LUIGI + "tasks.html#task-requires",
        how="self.date_interval is a luigi DateInterval: its dates() method returns the list of its days.\n"
        "A list comprehension makes one task per item: [Fetch(day) for day in days]",
    ),
    3: Hint(
        what="Count the words of lines (a list of whole lines): make one text of them, in lower case,\n"
        "then find every word in it with the regular expression WORD, and add them to counts.",
        link=PYTHON + "library/collections.html#collections.Counter",
        how='"".join(strings) makes one string, text.lower() lower-cases it, pattern.findall(text) lists\n'
        'the matches, and counter.update(items) adds 1 per item: c.update(["a", "b", "a"]) makes c["a"] 2.',
    ),
    4: Hint(
        what="Order the (word, count) pairs: the most frequent first, and equal counts by word, A to Z.\n"
        "This is plain Python, as in chapter 4.",
        link=PYTHON + "howto/sorting.html",
        how="sorted(pairs, key=function) sorts by what the key returns; a tuple sorts by its first item,\n"
        "then the next; a minus sorts numbers high to low: sorted(people, key=lambda p: (-p.age, p.name))",
    ),
}

Visualization = {
    1: Hint(
        what="Report needs every Merge: one Merge task per group, groups 0 to GROUPS - 1. A list from\n"
        "requires() is a fan-in: Report runs once all of them are done.",
        link=LUIGI + "tasks.html#task-requires",
        how="range(n) counts from 0 to n - 1, and a list comprehension makes one task per number, with the\n"
        "parameter given by name: [Chunk(index=i) for i in range(10)]",
    ),
    2: Hint(
        what="Each Merge needs the PARTS pieces of Work of its own group: Work tasks with this Merge's\n"
        "group, and parts 0 to PARTS - 1.",
        link=LUIGI + "tasks.html#task-requires",
        how="Pass this task's own parameter on (self.group), with the loop's number for the other one:\n"
        "[Page(book=self.book, number=n) for n in range(PAGES)]",
    ),
    3: Hint(
        what="After each step, tell the scheduler how far the task is: the visualiser draws it as a\n"
        "progress bar on the running task.",
        link=LUIGI + "tasks.html#task-status-tracking",
        how="task.set_progress_percentage(percent) takes a number from 0 to 100, worked out here from step\n"
        "and steps: after step 1 of 4, 25; after the last step, 100.",
    ),
    4: Hint(
        what="Tell the scheduler, in words, what the task is doing: the visualiser shows this status\n"
        "message on the running task.",
        link=LUIGI + "tasks.html#task-status-tracking",
        how="task.set_status_message(text) takes any string, and each call replaces the message before it.\n"
        'For example: task.set_status_message(f"loading file {n}")',
    ),
}

Extensions = {
    1: Hint(
        what="A parameter's parse() turns the text of the command line into its value: here, the Monday\n"
        "of the ISO week that the regular expression matched.",
        link=LUIGI + "api/luigi.parameter.html",
        how='match["year"] is the text of the group named year, and int() makes it a number.\n'
        "datetime.date.fromisocalendar(year, week, weekday) is a day of an ISO week; weekday 1 is Monday.",
    ),
    2: Hint(
        what="A base task can give its subclasses their output(): build the path from the task's family\n"
        "(its class name) and its parameters as text, so that two tasks never share a file.",
        link=LUIGI + "tasks.html#namespaces-families-and-ids",
        how="self.get_task_family() is the class name, e.g. Plays; self.to_str_params(only_significant=True)\n"
        "is a dict of each significant parameter's name and value as text. Joining a dict d:\n"
        '"&".join(f"{k}={v}" for k, v in d.items())',
    ),
    3: Hint(
        what="A target is anything with an exists() method: luigi asks it whether the task is complete.\n"
        "Yours exists when the table done holds the marker row: ask the database.",
        link=LUIGI + "workflows.html#target",
        how="Close the connection that self.connect() opens: with contextlib.closing(...) as db. db.execute(sql,\n"
        "values) fills in ? placeholders; .fetchone() is a row or None. exists() returns True or False.",
    ),
    4: Hint(
        what="Write the marker row in the same transaction as the task's rows, before the with block\n"
        "commits: if anything fails, neither the rows nor the marker stay behind.",
        link=LUIGI + "workflows.html#target",
        how="db.execute(sql, values) with one ? placeholder per value, the values in a tuple. SQLite's\n"
        "INSERT OR REPLACE keeps one row per key when the same load runs twice:\n"
        'db.execute("INSERT OR REPLACE INTO seen VALUES (?)", (name,))',
    ),
}

HINTS = {
    "Basics": Basics,
    "CreateOutput": CreateOutput,
    "Parameters": Parameters,
    "Dependencies": Dependencies,
    "WordCount": WordCount,
    "Visualization": Visualization,
    "Extensions": Extensions,
}
