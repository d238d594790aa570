"""What a failure means, in the attendee's terms: the tracebacks in a test's
failure, mapped to the line of main.py they come from and to plain words.
Runs in the test process (see host.py), where the exceptions are."""

import ast
import contextlib
import re
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

from tools import printable

# A long text (what the attendee's code printed) is shown by its first and
# last lines, each cut to WIDTH characters.
HEAD, TAIL, WIDTH = 4, 4, 160

# What an exception usually means, in plain words: (its class name, a regular
# expression that its message matches, the words; {0}, {1} are the groups).
INPUT = "the code waits for typed input (input()): a task gets its values from parameters instead"
CAUSES = [
    ("EOFError", "", INPUT),
    (
        "ValueError",
        r"(\w+)\[args=.*\]: Error when parsing the default value of '(\w+)'",
        "luigi.cfg's [{0}] {1} is no value luigi can read: fix it, or `git checkout -- luigi.cfg`",
    ),
    ("MemoryError", "", "the code used up the memory a check allows (2 GB): a loop that keeps printing or growing?"),
    ("OSError", "reading from stdin", INPUT),
    ("SystemExit", "", "the code ends the program (sys.exit() or exit()): a task returns, or raises an exception"),
    ("AttributeError", r"module 'main' has no attribute '(\w+)'", "main.py has no {0}: did you rename or delete it?"),
    ("AttributeError", r"'(\w+)' object has no attribute 'exists'", "output() must return a target, not a {0}"),
    ("TypeError", r"expected str, bytes or os.PathLike object, not (\w+)", "a {0} is not a path: use its .open()"),
    ("TypeError", r"'str' object cannot be interpreted as an integer", "text where a number is needed: use int(...)"),
    ("NameError", r"name '(\w+)' is not defined", "{0} is not defined here: a typo, or a missing import?"),
    ("ValueError", r"I/O operation on closed file", "the file is closed: write inside the `with` block that opens it"),
    ("FileNotFoundError", r"-luigi-tmp-\d+' -> '(.+)'$", "{0} was closed twice: leave the closing to the with block"),
    ("FileNotFoundError", r"No such file or directory: '(.*)'", "there is no file {0}"),
    (
        "TypeError",
        r"unexpected keyword argument 'help'",
        "help= is no argument of a luigi parameter: its text is description=",
    ),
    ("OperationalError", r"database is locked", "another connection holds the database: close each one you open"),
    ("RecursionError", "", "a method calls itself, again and again"),
    ("Exception", r"must return Task objects but <class '(?:\w+\.)*(\w+)'>", "requires() must return {0}(), a task"),
    (
        "TaskClassNotFoundException",
        r"No task (\S+\.py)\.",
        "luigi was given {0} as the task to run: give it the arguments after the program's name, sys.argv[1:]",
    ),
]
NONE = re.compile(r"'NoneType' object (?:has no attribute|is not)")

TRACEBACK = "Traceback (most recent call last):"
FRAME = re.compile(r'^ *File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>.+)$')
OPEN_BLANK = re.compile(r'NotImplementedError(?:\("|: )TODO (\d+)\b')
LUIGI_COMMAND = re.compile(r"/luigi/(interface|retcodes|cmdline_parser)\.py$")  # luigi.run() and its kin
HOOKS = ("requires", "output", "run", "complete")  # the methods of a task that luigi calls by their names


def excerpt(text, head=HEAD, tail=TAIL, width=WIDTH):
    """A long text by its first and last lines, each cut to width characters,
    control characters shown as � (printed junk must not upset the terminal)."""
    text = printable(text)
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in text.rstrip().splitlines()]
    if len(lines) > head + tail + 1:
        lines[head:-tail] = [f"... ({len(lines) - head - tail:,} more lines) ..."]
    return "\n".join(lines)


@dataclass
class Frame:
    file: str
    line: int
    function: str
    source: str


def tracebacks(text):
    """The Python tracebacks in a text (a command's output, a log): for each,
    its frames and its last line (the exception)."""
    found = []
    for block in text.split(TRACEBACK)[1:]:
        lines, frames, exception = block.splitlines(), [], None
        for index, line in enumerate(lines):
            match = FRAME.match(line)
            if match:
                after = lines[index + 1] if index + 1 < len(lines) else ""
                source = after.strip() if after.startswith("    ") and not FRAME.match(after) else ""
                frames.append(Frame(match["file"], int(match["line"]), match["function"], source))
            elif frames and line and not line.startswith(" "):
                exception = line
                break
        if frames and exception:
            found.append((frames, exception))
    return found


def in_main(frame):
    """Whether a frame is in the chapter's main.py (not in a main.py of Python's or a package's, as pytest's)."""
    path = Path(frame.file)
    return path.name == "main.py" and not any(path.is_relative_to(p) for p in {sys.prefix, sys.base_prefix})


def cause(exception, source=""):
    """The plain words for an exception line such as 'TypeError: ...', or None.
    source: the line of main.py that raised it, for a value that is None."""
    kind, _, message = exception.partition(": ")
    kind = kind.rsplit(".", 1)[-1]
    if kind in ("AttributeError", "TypeError") and NONE.search(message):
        call = re.findall(r"([\w.]+)\(\)", source)
        if call:
            return f"{call[0]}() gave None: does it return its result?"
        return "a value is None here: does a method above forget to return its result?"
    for name, pattern, words in CAUSES:
        match = re.search(pattern, message)
        if name == kind and match:
            return words.format(*match.groups())
    return None


def members(path):
    """The names of the methods and class attributes (parameters) that the classes of a file define."""
    names = set()
    with contextlib.suppress(OSError, SyntaxError, ValueError):
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        names.add(item.name)
                    elif isinstance(item, ast.Assign):
                        names.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return names


def described(frames, exception, shown):
    """An error from main.py: where (the attendee's file and line), why in plain words, and the raw exception."""
    frame = [frame for frame in frames if in_main(frame)][-1]
    ran_luigi = any(LUIGI_COMMAND.search(f.file) for f in frames[frames.index(frame) :])
    imported = any("importlib" in f.file for f in frames[: frames.index(frame)])  # not run as the command
    if frame.function == "<module>" and ran_luigi and imported:
        return (
            f"{shown}:{frame.line} runs luigi as soon as the file is imported (here by the checker):\n"
            f"    {frame.source}\n"
            'Put it under `if __name__ == "__main__":`, so that it runs only when main.py is the command.'
        )
    words = cause(exception, frame.source)
    undefined = re.match(r"NameError: name '(\w+)' is not defined", exception)
    if undefined and undefined[1] in members(frame.file):  # a method of the task, or its parameter
        words = f"{undefined[1]} is not defined here: in a method, the task's own is self.{undefined[1]}"
    missing = re.match(r"FileNotFoundError: .*No such file or directory: '(.+)/[^/]+'$", exception)
    if missing and re.search(r"""\bopen\(.*["'][wax]""", frame.source or ""):  # a file to write, in no folder
        words = f'there is no folder {missing[1]} to write in: open() makes none, self.output().open("w") does'
    text = f"{shown}:{frame.line}: {words or 'raised ' + excerpt(exception, 1, 0)}"
    if frame.source:
        text += f"\n    {frame.source}"
    if words:
        text += f"\n    ({excerpt(exception, 1, 0)})"
    return text


def own(text, tests):
    """The tracebacks in text that end in main.py's code (not in a test's,
    such as a crash that a test provokes on purpose)."""
    found = []
    for frames, exception in tracebacks(text):
        mine = [index for index, frame in enumerate(frames) if in_main(frame)]
        if mine and not any(tests in frame.file for frame in frames[mine[-1] :]):
            found.append((frames, exception))
    return found


def headline(summary):
    """What failed, from luigi's execution summary, in one line."""
    failed = re.findall(r"^\* (\d+ (?:failed|were missing)[^:\n]*):\n +- \d+ (.+)$", summary, re.M)
    return "luigi: " + "; ".join(f"{what}: {task}" for what, task in failed) if failed else "luigi did not succeed"


def explain(error, captured, shown, tests):
    """(blank, message) for a failed test: the blank it is about, if not the
    test's own (an open placeholder's, or 0 for an error when main.py is
    imported: every test fails alike), and the failure in the attendee's
    terms. captured: what the test printed and logged (luigi's log of a task
    that failed, say); tests: the folder of the chapter tests."""
    raised = "".join(traceback.format_exception(error))
    placeholder = OPEN_BLANK.search(raised + captured)
    if placeholder:
        return int(placeholder.group(1)), f"TODO {placeholder.group(1)} is not filled in yet"
    mine = own(raised, tests)
    frames = traceback.extract_tb(error.__traceback__)
    in_attendee_code = bool(frames) and Path(frames[-1].filename).name == "main.py"  # an assert of their own
    if mine and (not isinstance(error, AssertionError) or in_attendee_code):
        at_import = any(in_main(frame) and frame.function == "<module>" for frame in mine[-1][0])
        return 0 if at_import else None, described(*mine[-1], shown)
    if isinstance(error, AssertionError):
        # The test's own words; pytest's rewriting of the assert (after "assert ...") is for maintainers.
        message = str(error).split("\nassert ")[0].strip() or "the check failed"
        first, _, rest = message.partition("\n")
        rest = textwrap.dedent(rest)  # pytest indents the lines after the first
        if first.startswith("===== Luigi Execution Summary"):  # the message is luigi's summary
            first, rest = headline(rest), ""
        behind = own(rest, tests) or own(captured, tests)  # the error from main.py behind the test's words
        if behind:
            return None, f"{first}\n{described(*behind[-1], shown)}"
        other = tracebacks(rest) or tracebacks(captured)
        if other and cause(other[-1][1]):
            return None, f"{first}\n{cause(other[-1][1])}\n    ({excerpt(other[-1][1], 1, 0)})"
        if tracebacks(rest):  # raised in luigi's code, not in main.py's: its last line says what
            before = rest.split(TRACEBACK)[0].strip()
            return None, "\n".join(
                filter(None, [first, excerpt(before), f"    ({excerpt(tracebacks(rest)[-1][1], 1, 0)})"])
            )
        return None, f"{first}\n{excerpt(rest)}" if rest.strip() else first
    # Raised in the test itself, e.g. by luigi, or reading a file that main.py did not write.
    behind = own(captured, tests)
    if behind:
        return None, described(*behind[-1], shown)
    exception = traceback.format_exception_only(error)[-1].strip()
    words = cause(exception)
    return None, f"{words}\n    ({excerpt(exception, 1, 0)})" if words else exception


def misnamed(text, message):
    """For a message about Task.method(), where main.py's class Task has no
    such method but one with a name close to it: a sentence that says so."""
    import difflib

    named = re.search(rf"\b(\w+)\.({'|'.join(HOOKS)})\(\)", message)
    if not named:
        return ""
    task, hook = named.groups()
    with contextlib.suppress(SyntaxError, ValueError):
        for node in ast.parse(text).body:
            if isinstance(node, ast.ClassDef) and node.name == task:
                methods = {n.name: n.lineno for n in node.body if isinstance(n, ast.FunctionDef)}
                close = difflib.get_close_matches(hook, methods, n=1, cutoff=0.6)  # rnu for run
                if hook not in methods and close:
                    return (
                        f"\n{task} has no {hook}() of its own, but a {close[0]}() (line {methods[close[0]]}):"
                        f" luigi calls {hook}() by that very name. A typo?"
                    )
    return ""
