"""The exercise contract: how a blank is marked, found, and told apart from
the rest of the file.

A blank in an exercise is a comment `# TODO <n>: <what to write>` followed by
placeholder code that names it, e.g. `raise NotImplementedError("TODO <n>: ...")`.
Every line that mentions `TODO <n>` belongs to blank n. The solution replaces
its placeholder lines and nothing else (it may keep the comment, as a label).
"""

import difflib
import re
from dataclasses import dataclass

MENTION = re.compile(r"\bTODO (\d+)\b")
COMMENT = re.compile(r"^\s*# TODO (\d+): (.+)$")


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


def changes_by_blank(exercise, solution):
    """Group the differences between an exercise and its solution by blank.

    Returns {n: [opcodes]}, with difflib opcodes over the two lists of lines.
    Raises ContractError for a difference that touches a line outside every
    blank, or a blank the solution leaves in place.
    """
    ex, sol = exercise.splitlines(), solution.splitlines()
    matcher = difflib.SequenceMatcher(None, ex, sol, autojunk=False)
    grouped, touched = {}, set()
    for opcode in matcher.get_opcodes():
        tag, i1, i2, j1, j2 = opcode
        if tag == "equal":
            continue
        if i1 == i2:  # lines only added: they must sit right after a blank
            numbers = {blank_number(ex[i1 - 1])} if i1 > 0 else {None}
        else:
            numbers = {blank_number(line) for line in ex[i1:i2]}
        if None in numbers or len(numbers) != 1:
            raise ContractError(
                f"exercise lines {i1 + 1}-{max(i1 + 1, i2)} differ from the solution outside a blank:\n"
                + "\n".join(difflib.unified_diff(ex[i1:i2], sol[j1:j2], lineterm=""))
            )
        number = numbers.pop()
        grouped.setdefault(number, []).append(opcode)
        touched.update(range(i1, i2))
    for index, line in enumerate(ex):
        if MENTION.search(line) and not COMMENT.match(line) and index not in touched:
            raise ContractError(
                f"exercise line {index + 1} belongs to a blank but the solution keeps it: {line.strip()}"
            )
    return grouped


def with_blank(exercise, solution, number):
    """The solution with blank `number` put back as in the exercise: a file
    that is complete but for that one blank."""
    ex, sol = exercise.splitlines(), solution.splitlines()
    lines, position = [], 0
    for _, i1, i2, j1, j2 in sorted(
        (op for n, ops in changes_by_blank(exercise, solution).items() for op in ops if n == number),
        key=lambda op: op[3],
    ):
        lines += sol[position:j1] + ex[i1:i2]
        position = j2
    return "\n".join(lines + sol[position:]) + "\n"
