"""The README is tested: what it shows is what the repo does today.

- Each ```console block runs, in a fresh copy of the repo whose chapter
  folders hold the solutions (unless the line above the block is a comment
  `<!-- fresh clone... -->`: then the exercises), starting at the repo root. Lines starting with
  `$ ` are commands, run exactly as written in one bash session; the lines
  under a command are its expected output, where `...` stands for anything
  (timings, pids, paths). A command that exits non-zero must be followed by
  `$ echo $?`, so the README shows the failure.
- luigi's central scheduler: a block's commands (`make luigid` and the
  workers alike) find it on a free port of this machine, not on 8082, and
  run chapters quickly, through a luigi configuration file that luigi reads
  after ./luigi.cfg (LUIGI_CONFIG_PATH); a luigid the block leaves running
  is stopped.
- Each ```python block runs; `>>>` blocks run as doctests. They share one
  namespace, in a scratch folder.
- A block that shows commands but cannot run here says why in an HTML
  comment right above it: <!-- not tested: ... -->.
- Relative links and images point to files that exist.
"""

import doctest
import re
import subprocess
import uuid

import pytest
from sybil import Document
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser

from tools import luigid
from tools.chapters import CHAPTERS, ROOT, command_env, fresh_repo

README = ROOT / "README.md"
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


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
    solved = not re.search(r"<!-- fresh clone[^\n]*-->\n$", example.document.text[: example.start])
    repo = fresh_repo(example.namespace["tmp"] / f"repo-{uuid.uuid4().hex[:8]}", solved)
    marker = f"@@{uuid.uuid4().hex}@@"
    script = [f"cd {repo}", "__rc=0"]
    for index, (command, _) in enumerate(steps):
        # Markers split the output; `(exit $__rc)` keeps $? for a following `echo $?`.
        script += [f"echo {marker}{index}; (exit $__rc)", "{ " + command + "\n} 2>&1", f"__rc=$?; echo {marker}rc$__rc"]
    quick = "".join(chapter.quick for chapter in CHAPTERS)
    config = luigid.client_config(example.namespace["tmp"] / f"{repo.name}.cfg", luigid.free_port(), quick)
    try:
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            env=command_env(repo / ".tmp", config),
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
            problems.append(f"`{command}` printed:\n{output}\n--- but the README shows:\n{expected}")
    return "\n\n".join(problems) or None


def parse():
    return Document.parse(
        str(README),
        CodeBlockParser("console", run_console),
        PythonCodeBlockParser(doctest_optionflags=OPTIONS),
    )


DOCUMENT = parse()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("example", list(DOCUMENT), ids=lambda e: f"line{e.line}")
def test_readme_example(example, scratch, monkeypatch):
    monkeypatch.chdir(scratch)
    DOCUMENT.namespace["tmp"] = scratch
    example.evaluate()


def fenced_blocks():
    """(language, first line number, text, line before the block) for each fenced block."""
    lines = README.read_text().splitlines()
    blocks, start = [], None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if start is None:
                start, language = number, line[3:].strip()
            else:
                blocks.append((language, start + 1, "\n".join(lines[start + 1 : number]), lines[start - 1]))
                start = None
    return blocks


def test_every_shown_command_is_tested_or_says_why_not():
    for language, line, text, before in fenced_blocks():
        if language != "console" and re.search(r"^\$ ", text, re.M):
            assert before.startswith("<!-- not tested:"), f"README line {line}: make it ```console, or say why not"


def test_every_documented_chapter_command_is_in_the_readme():
    text = README.read_text()
    for chapter in CHAPTERS:
        assert f"$ cd {chapter.name}\n$ {chapter.command}\n" in text, f"the README runs `{chapter.command}`"


def test_links_and_images_point_to_files():
    text = README.read_text()
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def test_table_of_contents_matches_the_headings():
    text = README.read_text()
    anchors = {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#{2,3} (.+)$", text, re.M)
    }
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in anchors, f"the README links to #{anchor}, but no heading makes that anchor"
