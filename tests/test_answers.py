"""The exercise contract and the answer sets, judged as `make check` judges
the attendee, on every variant of a chapter in one run (tests/judge.py):

- the exercise as published fails every blank;
- every blank, left open on its own in an otherwise finished file, fails,
  and the check names it: no blank can be skipped and still pass;
- every right answer of the chapter's record passes, written in another
  style than the solution's;
- every wrong answer fails, with a message that names the fix (its `says`).
"""

import pytest
from judge import judge

from tools import blanks
from tools.chapters import CHAPTERS
from tools.paths import SOLUTIONS

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
