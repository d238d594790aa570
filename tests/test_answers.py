"""The exercise contract and the answer sets.

- every exercise is exactly what its solution makes (tools/blanks.py): the
  two differ only at the blanks, and the two folders hold the same files;

Then, judged as `make check` judges the attendee, on every variant of a
chapter in one run (tests/judge.py):

- the exercise as published fails every blank;
- every blank, left open on its own in an otherwise finished file, fails,
  and the check names it: no blank can be skipped and still pass;
- every right answer of the chapter's record passes, written in another
  style than the solution's;
- every wrong answer fails, with a message that names the fix (its `says`).
"""

import filecmp

import pytest
from judge import judge

from tools import blanks
from tools.chapters import CHAPTERS, EXERCISES
from tools.paths import ROOT, SOLUTIONS

by_name = pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)


@by_name
def test_the_exercise_is_its_solution_with_the_answers_taken_out(chapter):
    exercise = (chapter.folder(EXERCISES) / "main.py").read_text()
    solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
    assert exercise == blanks.exercise_from(solution), (
        f"{chapter.name}/main.py is not what solutions/{chapter.name}/main.py makes: change the solution, then run"
        " `python -m tools.blanks --write`"
    )
    numbers = [todo.number for todo in blanks.todos(exercise)]
    assert numbers == list(range(1, len(numbers) + 1)) and 2 <= len(numbers) <= 5, numbers
    assert [todo.number for todo in blanks.open_todos(exercise)] == numbers and not blanks.open_todos(solution)
    assert set(chapter.hints) == set(numbers), f"{chapter.name}'s record has a hint for each blank, and no other"
    doc = exercise.split('"""')[1]
    assert doc.startswith(f"Chapter {chapter.number}, {chapter.name}:") and chapter.command in doc


@by_name
def test_the_exercise_and_solution_folders_hold_the_same_files(chapter):
    def files(tree):
        folder = chapter.folder(tree)
        return sorted(
            p.relative_to(folder)
            for p in folder.rglob("*")
            if p.is_file()
            and "__pycache__" not in p.parts
            and not chapter.generated(p.relative_to(folder))
            and ".saved-" not in p.name
            and p.name
            not in ("README.md", "chapter.toml")  # the page stays with the exercise, the record with the solution
        )

    assert files(EXERCISES) == files(SOLUTIONS)
    for relative in files(EXERCISES):
        if relative.name != "main.py":
            assert filecmp.cmp(
                chapter.folder(EXERCISES) / relative, chapter.folder(SOLUTIONS) / relative, shallow=False
            )
    assert (chapter.folder(EXERCISES) / "luigi.cfg").resolve() == ROOT / "luigi.cfg", "link luigi.cfg to the shared one"


def test_an_answer_ends_at_an_empty_line_a_comment_or_a_dedent():
    solution = (
        "def f():\n"
        "    # TODO 1: two lines\n"
        "    a = 1\n"
        "    b = 2\n"
        "\n"
        "    # TODO 2: then a comment\n"
        "    c = 3\n"
        "    # a comment\n"
        "    if c:\n"
        "        # TODO 3: then a dedent\n"
        "        d = 4\n"
        "        e = d\n"
        "    return e\n"
    )
    assert blanks.answers(solution) == {1: (2, 4), 2: (6, 7), 3: (10, 12)}
    assert blanks.answer(solution, 3) == "d = 4\ne = d\n"
    assert blanks.filled(solution, {1: "x = [\n    1,\n]"}).splitlines()[2:5] == ["    x = [", "        1,", "    ]"]


VERDICTS = {}  # {chapter name: {variant: Verdict}}: one run of the judge per chapter


def variants(chapter):
    solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
    found = {"published": blanks.exercise_from(solution)}
    found |= {f"open{n}": blanks.with_blank(solution, n) for n in blanks.answers(solution)}
    found |= {f"answer{i}": answer.applied(solution) for i, answer in enumerate(chapter.answers, 1)}
    return found


@pytest.fixture
def verdicts(tmp_path_factory, request):
    chapter = request.node.callspec.params["case"][0]
    if chapter.name not in VERDICTS:
        VERDICTS[chapter.name] = judge(chapter, variants(chapter), tmp_path_factory.mktemp(f"judge-{chapter.name}"))
    return VERDICTS[chapter.name]


def cases(kind):
    for chapter in CHAPTERS:
        solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
        if kind == "open":
            for n in blanks.answers(solution):
                yield pytest.param((chapter, f"open{n}", n), id=f"{chapter.name}.TODO{n}")
        else:
            for i, answer in enumerate(chapter.answers, 1):
                if answer.right == (kind == "right"):
                    yield pytest.param((chapter, f"answer{i}", answer), id=f"{chapter.name}.{i}")


@pytest.mark.parametrize("case", [pytest.param((c, "published", None), id=f"{c.name}.published") for c in CHAPTERS])
def test_the_published_exercise_fails_every_blank(case, verdicts):
    chapter, variant, _ = case
    verdict = verdicts[variant]
    tied = {test for test, blank in verdict.tests.items() if blank}
    solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
    assert set(verdict.tests.values()) - {0} == set(blanks.answers(solution)), "every blank has its tests"
    assert tied <= verdict.failed, f"these tests pass on the published exercise: {sorted(tied - verdict.failed)}"
    assert verdict.problems.get(1) == "TODO 1 is not filled in yet", verdict.problems


@pytest.mark.parametrize("case", list(cases("open")))
def test_a_blank_left_open_alone_fails_naming_itself(case, verdicts):
    chapter, variant, number = case
    failing = verdicts[variant].problems
    assert failing.get(number) == f"TODO {number} is not filled in yet", failing
    assert set(failing) <= {number, 0}, f"only TODO {number} is open, yet the check blames {sorted(failing)}"


@pytest.mark.parametrize("case", list(cases("right")))
def test_a_right_answer_passes(case, verdicts):
    chapter, variant, answer = case
    said = verdicts[variant].message()
    assert verdicts[variant].problems == {}, f"{chapter.name}, right answer {answer.name!r} fails:\n{said}"


@pytest.mark.parametrize("case", list(cases("wrong")))
def test_a_wrong_answer_fails_naming_the_fix(case, verdicts):
    chapter, variant, answer = case
    said = verdicts[variant].message()
    assert said, f"{chapter.name}, wrong answer {answer.name!r} passes the check"
    assert answer.says in said, (
        f"{chapter.name}, wrong answer {answer.name!r}: the check should say {answer.says!r}:\n{said}"
    )
    for word in ("DID NOT RAISE", "Regex pattern did not match", "\nassert ", "Traceback"):
        assert word not in said, f"{chapter.name}, wrong answer {answer.name!r}: the message shows pytest's {word!r}"


def test_every_chapter_has_its_answer_sets():
    for chapter in CHAPTERS:
        right = [a for a in chapter.answers if a.right]
        wrong = [a for a in chapter.answers if not a.right]
        assert len(right) >= 8 and len(wrong) >= 8, f"{chapter.name}: {len(right)} right and {len(wrong)} wrong answers"
        assert all(a.says for a in wrong), f"{chapter.name}: each wrong answer says what the check must name"
