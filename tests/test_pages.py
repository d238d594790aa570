"""The pages are tested: what they show is what the repo does today.

The pages are README.md, each chapter's <Chapter>/README.md (what GitHub
shows when you open the folder) and any docs/*.md.

- Each ```console block runs in a fresh copy of the repo whose chapter
  folders hold the solutions (unless the line above the block is a comment
  `<!-- fresh clone... -->`: then the exercises). It starts in the page's own
  folder: the repo root for README.md, the chapter folder for a chapter page.
  Lines starting with `$ ` are commands, run exactly as written in one bash
  session; the lines under a command are its expected output, where `...`
  stands for anything (timings, pids, paths). A command that exits non-zero
  must be followed by `$ echo $?`, so the page shows the failure.
- luigi's central scheduler: a block's commands (`make luigid` and the
  workers alike) find it on a free port of this machine, not on 8082, and
  run chapters quickly, through a luigi configuration file that luigi reads
  after ./luigi.cfg (LUIGI_CONFIG_PATH); a luigid the block leaves running
  is stopped. Without a scheduler, luigi's client does not wait between its
  tries to reach one.
- Each ```python block runs; `>>>` blocks run as doctests. The blocks of a
  page share one namespace, in a scratch folder of their own: for a chapter
  page, a copy of its solved folder, where `import main` imports its solution.
- A block that shows commands but cannot run here says why in an HTML
  comment right above it: <!-- not tested: ... -->.
- Relative links and images point to files that exist; links to headings
  point to headings that exist.
- The attendee's path fits the room: counted as `wc -w` counts words,
  README.md without its sections for instructors and maintainers has at
  most 1,000 words, each chapter page at most 400 before its `## Going
  further`, each main.py (as published) at most 450, all of them at most
  1,800, and everything together at most 5,000. A chapter after the
  workshop is counted apart: its page at most 800, its main.py 450.
- The plan adds up: each chapter's slot in the README's plan is its
  page's teaching and exercise minutes.
- No spoilers: no code block on any page holds a line of a blank's answer.
"""

import doctest
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sybil import Document
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser

from tools import blanks, luigid, processes
from tools.chapters import CHAPTERS, WORKSHOP
from tools.clone import copy_of_the_repo
from tools.demos import scale_out
from tools.paths import ROOT, SOLUTIONS

README = ROOT / "README.md"
CHAPTER_PAGES = {chapter.name: chapter.folder() / "README.md" for chapter in CHAPTERS}
PAGES = [README, *CHAPTER_PAGES.values(), *sorted((ROOT / "docs").glob("*.md"))]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
BUDGETS = {"README.md": 1000, "chapter page": 400, "main.py": 450, "every main.py": 1800, "in all": 5000}
AFTER_THE_WORKSHOP = {"chapter page": 800, "main.py": 450}
GOING_FURTHER = "## Going further"


def relative(page):
    return page.relative_to(ROOT).as_posix()


def session(block):
    """Split a console block into (command, expected output) pairs."""
    steps = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append([line[2:], []])
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"console block must start with a `$ ` command, not {line!r}")
    return [(command, "\n".join(output).strip()) for command, output in steps]


def run_console(example):
    steps = session(example.parsed)
    if any(command == "make scale-out" for command, _ in steps) and scale_out.refusal():
        pytest.skip(f"make scale-out {scale_out.refusal()}")  # CI runs as root: there it runs
    solved = not re.search(r"<!-- fresh clone[^\n]*-->\n$", example.document.text[: example.start])
    repo = copy_of_the_repo(example.namespace["tmp"] / f"repo-{uuid.uuid4().hex[:8]}", solved)
    start = repo / Path(example.document.path).parent.relative_to(ROOT)
    marker = f"@@{uuid.uuid4().hex}@@"
    script = [f"cd '{start}'", "__rc=0"]
    for index, (command, _) in enumerate(steps):
        # Markers split the output; `(exit $__rc)` keeps $? for a following `echo $?`.
        script += [f"echo {marker}{index}; (exit $__rc)", "{ " + command + "\n} 2>&1", f"__rc=$?; echo {marker}rc$__rc"]
    # Under [core], luigi's client waits 0 s (not 30) between its tries to reach a scheduler that is
    # not there; luigi 3.8.1 reads that setting but warns that it does not know it, hence the filter.
    quick = "rpc_retry_wait = 0\n" + "".join(chapter.quick for chapter in CHAPTERS)
    config = luigid.client_config(example.namespace["tmp"] / f"{repo.name}.cfg", processes.free_port(), quick)
    env = processes.command_env(repo / ".tmp", config)
    env["PYTHONWARNINGS"] = "ignore:The configuration contains the parameter 'rpc_retry_wait'"
    try:
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        luigid.stop(repo / ".luigid")
    parts = re.split(rf"{marker}(\d+)\n", done.stdout)[1:]
    problems = []
    for index, (command, expected) in enumerate(steps):
        output, rc = re.fullmatch(rf"(.*?){marker}rc(\d+)\n", parts[2 * index + 1], re.S).groups()
        shown_failure = index + 1 < len(steps) and steps[index + 1][0] == "echo $?"
        if rc != "0" and not shown_failure:
            problems.append(f"`{command}` exited {rc}; if that is meant, follow it with `$ echo $?`\n{output}")
        if not doctest.OutputChecker().check_output(expected.strip() + "\n", output.strip() + "\n", OPTIONS):
            problems.append(f"`{command}` printed:\n{output}\n--- but the page shows:\n{expected}")
    return "\n\n".join(problems) or None


def parse(page):
    return Document.parse(
        str(page),
        CodeBlockParser("console", run_console),
        PythonCodeBlockParser(doctest_optionflags=OPTIONS),
    )


DOCUMENTS = {page: parse(page) for page in PAGES if page.exists()}
EXAMPLES = [(page, example) for page, document in DOCUMENTS.items() for example in document]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("pages")


@pytest.mark.parametrize(("page", "example"), EXAMPLES, ids=[f"{relative(p)}:{e.line}" for p, e in EXAMPLES])
def test_page_example(page, example, scratch, monkeypatch):
    folder = scratch / relative(page).replace("/", "-")
    chapter = next((c for c in CHAPTERS if CHAPTER_PAGES[c.name] == page), None)
    if chapter and not folder.exists():  # a chapter page's Python runs in (a copy of) its solved folder
        chapter.copy(SOLUTIONS, folder)
        monkeypatch.delitem(sys.modules, "main", raising=False)
    folder.mkdir(exist_ok=True)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    DOCUMENTS[page].namespace["tmp"] = folder
    example.evaluate()


def test_every_chapter_has_a_page():
    for chapter in CHAPTERS:
        page = CHAPTER_PAGES[chapter.name]
        assert page.exists(), f"{relative(page)} is missing: every chapter folder has its page"
        assert f"]({chapter.name}/README.md)" in README.read_text(), f"README.md links to {relative(page)}"


def fenced_blocks(page):
    """(language, first line number, text, line before the block) for each fenced block."""
    lines = page.read_text().splitlines()
    blocks, start = [], None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if start is None:
                start, language = number, line[3:].strip()
            else:
                blocks.append((language, start + 1, "\n".join(lines[start + 1 : number]), lines[start - 1]))
                start = None
    return blocks


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_every_shown_command_is_tested_or_says_why_not(page):
    for language, line, text, before in fenced_blocks(page) if page.exists() else []:
        if language != "console" and re.search(r"^\$ ", text, re.M):
            assert before.startswith("<!-- not tested:"), (
                f"{relative(page)} line {line}: make it ```console, or say why not"
            )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_every_documented_chapter_command_is_on_its_page(chapter):
    consoles = [text for language, _, text, _ in fenced_blocks(CHAPTER_PAGES[chapter.name]) if language == "console"]
    assert any(f"$ {chapter.command}\n" in text + "\n" for text in consoles), (
        f"{chapter.name}/README.md runs `{chapter.command}` in a console block"
    )


def anchor(heading):
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_links_and_images_point_to_files_and_headings(page):
    text = page.read_text() if page.exists() else ""
    for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
        assert (page.parent / target).exists(), f"{relative(page)} links to {target}, which does not exist"
    for target, fragment in re.findall(r"\]\(([^)#:\s]*)#([^)\s]+)\)", text):
        linked = page.parent / target if target else page
        anchors = {anchor(h) for h in re.findall(r"^#{1,4} (.+)$", linked.read_text(), re.M)}
        assert fragment in anchors, f"{relative(page)} links to {target}#{fragment}, but no heading makes that anchor"


def words(text):
    """Words as `wc -w` counts them, HTML comments aside (nobody reads them)."""
    return len(re.sub(r"<!--.*?-->", " ", text, flags=re.S).split())


def attendee_part(markdown):
    """README.md without the sections whose heading names instructors or maintainers."""
    kept, skipping, level = [], False, 0
    for line in markdown.splitlines():
        heading = re.match(r"^(#{2,6})\s+(.*)", line)
        if heading:
            if skipping and len(heading.group(1)) <= level:
                skipping = False
            if not skipping and re.search(r"instructor|maintainer", heading.group(2), re.I):
                skipping, level = True, len(heading.group(1))
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def before_going_further(page):
    return page.read_text().split(f"\n{GOING_FURTHER}\n")[0]


def test_the_attendees_path_fits_the_room():
    counted = {"README.md": words(attendee_part(README.read_text()))}
    for chapter in CHAPTERS:
        budget = AFTER_THE_WORKSHOP if chapter.after_workshop else BUDGETS
        page, code = CHAPTER_PAGES[chapter.name], chapter.folder() / "main.py"
        assert page.read_text().count(f"\n{GOING_FURTHER}\n") == 1, f"{relative(page)} has one `{GOING_FURTHER}`"
        for what, text in (("chapter page", before_going_further(page)), ("main.py", code.read_text())):
            assert words(text) <= budget[what], f"{chapter.name}'s {what}: {words(text)} words, budget {budget[what]}"
            if not chapter.after_workshop:
                counted[f"{chapter.name} {what}"] = words(text)
    assert counted["README.md"] <= BUDGETS["README.md"], f"README.md's attendee part: {counted['README.md']} words"
    code = sum(n for what, n in counted.items() if what.endswith("main.py"))
    assert code <= BUDGETS["every main.py"], f"the main.py files: {code} words, budget {BUDGETS['every main.py']}"
    assert sum(counted.values()) <= BUDGETS["in all"], f"the path: {sum(counted.values())} words, budget 5,000"


def test_the_plan_adds_up():
    """Each chapter's minutes in the README's list are its slot in the
    instructors' plan, and that slot is its page's teaching and exercise minutes."""
    text = README.read_text()
    listed = {int(n): int(m) for n, m in re.findall(r"^(\d)\. \[\w+\]\(.+\): .+ \((\d+) min\)\.$", text, re.M)}
    plan = {int(n): int(b) - int(a) for a, b, n in re.findall(r"^\| (\d+)-(\d+) \| chapter (\d),", text, re.M)}
    assert listed == plan and sorted(plan) == [c.number for c in WORKSHOP], (listed, plan)
    for chapter in WORKSHOP:
        teaching, exercise = re.search(
            r"\*Teaching: (\d+) min · Exercise: (\d+) min\*", before_going_further(CHAPTER_PAGES[chapter.name])
        ).groups()
        assert int(teaching) + int(exercise) == plan[chapter.number], (
            f"{chapter.name}: {teaching} + {exercise} min on its page, {plan[chapter.number]} in the plan"
        )
    slots = [(int(a), int(b)) for a, b in re.findall(r"^\| (\d+)-(\d+) \|", text, re.M)]
    assert (
        slots[0][0] == 0
        and slots[-1][1] == 90
        and all(b == c for (_, b), (c, _) in zip(slots, slots[1:], strict=False))
    ), slots


def normalized(line):
    line = re.sub(r"^\s*(>>>|\.\.\.)\s?", "", line)
    return " ".join(line.replace("'", '"').split())


def answer_lines():
    """Every line of every blank's answer, normalized, with where it comes from."""
    found = {}
    for chapter in CHAPTERS:
        solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
        for number in blanks.answers(solution):
            for line in blanks.answer(solution, number).splitlines():
                if re.search(r"\w", line):  # a closing `)` alone gives nothing away
                    found[normalized(line)] = f"{chapter.name} TODO {number}"
    return found


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_no_page_shows_the_answer_to_a_blank(page):
    answers = answer_lines()
    for _, line, text, _ in fenced_blocks(page) if page.exists() else []:
        for offset, code in enumerate(text.splitlines(), start=1):
            spoiler = answers.get(normalized(code))
            assert spoiler is None, (
                f"{relative(page)} line {line + offset} shows the answer of {spoiler}: {code.strip()!r}"
            )


def test_the_spoiler_check_knows_every_answer():
    """The check above can fail: every blank contributes its lines."""
    answers = set(answer_lines().values())
    for chapter in CHAPTERS:
        solution = (chapter.folder(SOLUTIONS) / "main.py").read_text()
        for number in blanks.answers(solution):
            assert f"{chapter.name} TODO {number}" in answers
    assert normalized(">>>     return Producer()") in answer_lines()
