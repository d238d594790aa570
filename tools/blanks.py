"""The exercise contract: an exercise is its solution with the answers taken out.

In a solution, a blank is a comment `# TODO <n>: <what to write>` followed by
its answer: the lines after the comment, up to the first empty line, comment
line, or line indented less than the answer's first line. The exercise is
the solution with each answer replaced by one placeholder line,

    raise NotImplementedError("TODO <n>")

at the answer's indentation. So the solution file alone defines the published
exercise: `make reset` rebuilds it from there (with or without git, whatever
the attendee committed), `make hint` shows one answer, and the tests check
that every exercise file is exactly what its solution makes.

    python -m tools.blanks --write   # maintainers: rewrite every exercise from its solution
"""

import re
import sys
import textwrap
from dataclasses import dataclass

MENTION = re.compile(r"\bTODO (\d+)\b")
COMMENT = re.compile(r"^\s*# TODO (\d+): (.+)$")
PLACEHOLDER = 'raise NotImplementedError("TODO {n}")'


@dataclass(frozen=True)
class Todo:
    number: int
    line: int  # 1-based line number of its comment
    text: str  # what to write


def blank_number(line):
    """The number of the blank a line belongs to, or None."""
    match = MENTION.search(line)
    return int(match.group(1)) if match else None


def todos(source):
    """The TODO comments of a file, in file order."""
    found = []
    for index, line in enumerate(source.splitlines(), start=1):
        match = COMMENT.match(line)
        if match:
            found.append(Todo(int(match.group(1)), index, match.group(2).strip()))
    return found


def open_todos(source):
    """The TODOs whose placeholder is still in the file (filled-in blanks may keep their comment)."""
    placeholders = {
        blank_number(line) for line in source.splitlines() if MENTION.search(line) and not COMMENT.match(line)
    }
    return [todo for todo in todos(source) if todo.number in placeholders]


class ContractError(AssertionError):
    pass


def indent(line):
    return len(line) - len(line.lstrip())


def answers(solution):
    """{n: (first, end)}: the 0-based line range [first, end) of each answer in a solution."""
    lines = solution.splitlines()
    found = {}
    for todo in todos(solution):
        first = end = todo.line  # the line after the comment, 0-based
        while end < len(lines):
            line = lines[end]
            if not line.strip() or line.lstrip().startswith("#") or indent(line) < indent(lines[first]):
                break
            end += 1
        if end == first:
            raise ContractError(f"line {todo.line}: TODO {todo.number} has no answer lines below it")
        if todo.number in found:
            raise ContractError(f"line {todo.line}: TODO {todo.number} appears twice")
        found[todo.number] = (first, end)
    return found


def answer(solution, number):
    """The answer lines of blank `number`, as text, without their common indentation."""
    first, end = answers(solution)[number]
    lines = solution.splitlines()[first:end]
    return "\n".join(line[indent(lines[0]) :] for line in lines) + "\n"


def exercise_from(solution, numbers=None):
    """The solution with the answers of blanks `numbers` (default: all) replaced by placeholders."""
    lines = solution.splitlines()
    spans = answers(solution)
    for number, (first, end) in sorted(spans.items(), key=lambda item: -item[1][0]):
        if numbers is None or number in numbers:
            lines[first:end] = [" " * indent(lines[first]) + PLACEHOLDER.format(n=number)]
    return "\n".join(lines) + "\n"


def with_blank(solution, number):
    """The solution with blank `number` open: a file that is complete but for that one blank."""
    return exercise_from(solution, {number})


def filled(solution, codes):
    """The solution with blanks filled in otherwise: {number: lines}, each
    indented as the blank's answer is (a line of the lines indented more
    stays indented more)."""
    lines = solution.splitlines()
    spans = answers(solution)
    for number, code in sorted(codes.items(), key=lambda item: -spans[item[0]][0]):
        first, end = spans[number]
        margin = " " * indent(lines[first])
        code = textwrap.dedent(code).strip("\n")
        lines[first:end] = [margin + line if line.strip() else "" for line in code.splitlines()]
    return "\n".join(lines) + "\n"


def main(argv):
    from tools.chapters import CHAPTERS, EXERCISES
    from tools.paths import SOLUTIONS

    if argv != ["--write"]:
        raise SystemExit("usage: python -m tools.blanks --write  (rewrites every exercise from its solution)")
    for chapter in CHAPTERS:
        exercise = chapter.folder(EXERCISES) / "main.py"
        made = exercise_from((chapter.folder(SOLUTIONS) / "main.py").read_text())
        if not exercise.exists() or exercise.read_text() != made:  # a new chapter's: written the first time
            exercise.write_text(made)
            print(f"rewrote {exercise.relative_to(EXERCISES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
