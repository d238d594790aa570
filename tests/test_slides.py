"""The slides of the talk parts, docs/slides.md (Marp Markdown).

- `make slides`, as typed in a fresh clone, renders them to .slides/slides.html
  and .slides/slides.pdf; the PDF has one page per slide.
- Each slide of the HTML, in headless Chromium at 1280x720, fits its frame:
  no text outside it or cut off, every image loaded (tools/slides/frames.mjs,
  which also saves a screenshot of each slide in the test's tmp_path).
- The slides say what the pages and records say: each chapter's minutes are
  its slot in the README's plan, each command is a chapter's documented
  command or a make target, the versions are the README's. These checks read
  only files, and are shown to fail on slides that drifted.

Rendering needs node, npm and Chromium, which attendees never need: .ci/run
installs them; elsewhere, without them, those tests are skipped and say what
to install. The render runs once per module (tests/conftest.py keeps this
module on one worker).
"""

import contextlib
import json
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from tools.chapters import CHAPTERS, WORKSHOP
from tools.clone import copy_of_the_repo
from tools.demos import browser
from tools.paths import ROOT
from tools.processes import command_env

SLIDES = ROOT / "docs" / "slides.md"
README = ROOT / "README.md"
FRAME = (1280, 720)
INSTALL = "install them with `sudo apt-get install nodejs npm chromium` (Debian, Ubuntu) or `brew install node` (macOS)"


def slides(markdown):
    """The slides of a Marp deck: its text split at the `---` lines outside
    code blocks, without the front matter."""
    lines = markdown.splitlines()
    if lines and lines[0] == "---":
        lines = lines[lines.index("---", 1) + 1 :]
    found, current, fenced = [], [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        if line == "---" and not fenced:
            found.append("\n".join(current))
            current = []
        else:
            current.append(line)
    return [*found, "\n".join(current)]


def pdf_pages(data):
    """How many pages a PDF has: its page objects, wherever they are
    (Chromium's PDF keeps them in compressed object streams)."""
    parts = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        with contextlib.suppress(zlib.error):  # not compressed, or not with zlib: no page object in it
            parts.append(zlib.decompress(stream.group(1)))
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", part)) for part in parts)


# What the slides must say, from the pages and records -------------------------------------


def plan():
    """The README's timing plan: each slot as (start, end), and each chapter's minutes."""
    text = README.read_text()
    slots = [(int(a), int(b)) for a, b in re.findall(r"^\| (\d+)-(\d+) \|", text, re.M)]
    minutes = {int(n): int(b) - int(a) for a, b, n in re.findall(r"^\| (\d+)-(\d+) \| chapter (\d+),", text, re.M)}
    listed = {int(n): int(m) for n, m in re.findall(r"^(\d+)\. \[\w+\]\(.+\): .+ \((\d+) min\)\.$", text, re.M)}
    assert minutes == listed and sorted(minutes) == [c.number for c in WORKSHOP], ("the README's plan", minutes, listed)
    return slots, minutes


def versions():
    """luigi's minor version and the first and last Python, as the README says them;
    checked against tools/setup/pick-python and requirements.txt."""
    said = re.search(r"Python (\d+\.\d+) to (\d+\.\d+) \(the Pythons luigi (\d+\.\d+)\s+supports\)", README.read_text())
    assert said, "README.md's setup says `Python X to Y (the Pythons luigi Z supports)`"
    first, last, luigi = said.groups()
    supported = subprocess.run(
        ["sh", "tools/setup/pick-python", "--versions"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert (first, last) == (supported[0], supported[-1]), f"README.md says {first} to {last}, pick-python {supported}"
    required = re.search(r"^luigi>=(\d+\.\d+)\.", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert luigi == required, f"README.md says luigi {luigi}, requirements.txt installs {required}"
    return luigi, (first, last)


def make_targets():
    return set(re.findall(r"^([a-z][a-z-]*):.*## ", (ROOT / "Makefile").read_text(), re.M))


def shell_lines(slide):
    """The lines of a slide's ```sh blocks: the commands it shows to type."""
    blocks = re.findall(r"^```sh\n(.*?)^```$", slide, re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def commands(slide):
    """The commands a slide shows: its ```sh lines, and inline code that
    starts like a command (`make ...`, `python ...`)."""
    prose = re.sub(r"^```.*?^```$", "", slide, flags=re.S | re.M)
    return shell_lines(slide) + re.findall(r"`((?:make|python) [^`]*)`", prose)


def drift(markdown):
    """What the slides say otherwise than the README, the Makefile and the chapter records."""
    problems = []
    deck = slides(markdown)
    slots, minutes = plan()
    shown_slots = [(int(a), int(b)) for a, b in re.findall(r"^\| (\d+)-(\d+) \|", markdown, re.M)]
    if shown_slots != slots:
        problems.append(f"the plan on the slides has the slots {shown_slots}, the README's {slots}")
    shown = {}
    for slide in deck:
        heading = re.search(r"^## Chapter (\d+): (\w+) · (\d+) min$", slide, re.M)
        if heading:
            number, name, slot = int(heading.group(1)), heading.group(2), int(heading.group(3))
            shown[number] = slot
            chapter = next((c for c in CHAPTERS if c.number == number), None)
            if chapter is None or chapter.name != name:
                problems.append(f"the slide of chapter {number} names it {name}, not {chapter and chapter.name}")
            elif shell_lines(slide) != [chapter.command]:
                problems.append(f"the slide of {name} should show its command `{chapter.command}` in a ```sh block")
    if shown != minutes:
        problems.append(f"the chapters' minutes on the slides are {shown}, in the README's plan {minutes}")
    documented, targets = {c.command for c in CHAPTERS}, make_targets()
    for slide in deck:
        for command in commands(slide):
            target = re.fullmatch(r"make ([a-z][a-z-]*)(?: [A-Z]+=\S+)*", command)
            if command not in documented and not (target and target.group(1) in targets):
                problems.append(f"`{command}` is neither a chapter's documented command nor a make target")
    luigi, pythons = versions()
    said_luigi = re.findall(r"\bluigi (\d+\.\d+)\b", markdown)
    said_pythons = re.findall(r"\bPython (\d+\.\d+) to (\d+\.\d+)\b", markdown)
    if not said_luigi or set(said_luigi) != {luigi}:
        problems.append(f"the slides should say luigi {luigi}, and say luigi {said_luigi}")
    if not said_pythons or set(said_pythons) != {pythons}:
        problems.append(f"the slides should say Python {pythons[0]} to {pythons[1]}, and say {said_pythons}")
    return problems


def test_the_slides_say_what_the_pages_say():
    assert drift(SLIDES.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        ("· 9 min", "· 10 min", "minutes on the slides"),
        ("| 21-30 |", "| 21-31 |", "the plan on the slides"),
        ("--tld rs --local-scheduler", "--tld fr --local-scheduler", "should show its command"),
        ("`make luigid`", "`make scheduler`", "`make scheduler` is neither"),
        ("luigi 3.8,", "luigi 3.7,", "should say luigi"),
        ("Python 3.10 to 3.13", "Python 3.9 to 3.13", "should say Python"),
    ],
)
def test_slides_that_drift_fail(old, new, found):
    markdown = SLIDES.read_text()
    assert markdown.count(old) == 1, f"the slides no longer hold {old!r} once: update this test"
    problems = drift(markdown.replace(old, new))
    assert any(found in problem for problem in problems), problems


def test_the_deck_is_marp_16_9_and_uses_the_repos_images():
    front = SLIDES.read_text().split("\n---\n")[0]
    for setting in ("marp: true", "size: 16:9", "paginate: true"):
        assert f"\n{setting}\n" in front, f"the front matter of docs/slides.md sets {setting}"
    assert re.search(r"^theme: \w+$", front, re.M)
    shown = set(re.findall(r"!\[[^\]]*\]\(\.\./images/([^)]+)\)", SLIDES.read_text()))
    assert {"luigi8.png", "confused.png", "graph.png"} <= shown, shown


# Rendered, in a fresh clone ----------------------------------------------------------------


def needs_node_and_chromium():
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    missing += [] if browser.find() else ["chromium"]
    if missing:
        message = f"the slide tests need {', '.join(missing)}: {INSTALL}"
        pytest.fail(f"on CI, {message} (.ci/run installs them)") if os.environ.get("CI") else pytest.skip(message)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A fresh clone in which `make slides` ran once: (the clone, its run, when it started)."""
    needs_node_and_chromium()
    repo = copy_of_the_repo(tmp_path_factory.mktemp("slides") / "repo", solved=False)
    started = time.time()
    done = subprocess.run(
        "make slides",
        shell=True,
        cwd=repo,
        env=command_env(repo / ".tmp"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return repo, done, started


def test_make_slides_renders_html_and_pdf(rendered):
    repo, done, started = rendered
    assert done.returncode == 0, done.stdout
    for name, start in (("slides.html", b"<!DOCTYPE html>"), ("slides.pdf", b"%PDF-")):
        path = repo / ".slides" / name
        assert path.is_file() and path.stat().st_mtime >= started - 1, f"make slides should write .slides/{name}"
        assert path.read_bytes().startswith(start), f".slides/{name} is not what its name says"
    assert "The slides: .slides/slides.html" in done.stdout, done.stdout
    assert repo.joinpath(".slides/slides.html").read_text().count("<svg data-marpit-svg") == len(
        slides(SLIDES.read_text())
    )


def test_the_pdf_has_one_page_per_slide(rendered):
    repo, done, _ = rendered
    assert done.returncode == 0, done.stdout
    assert pdf_pages((repo / ".slides" / "slides.pdf").read_bytes()) == len(slides(SLIDES.read_text()))


def test_each_slide_fits_its_frame_at_1280x720(rendered, tmp_path):
    repo, done, _ = rendered
    assert done.returncode == 0, done.stdout
    checked = subprocess.run(
        ["node", "tools/slides/frames.mjs", ".slides/slides.html", str(tmp_path)],
        cwd=repo,
        env=command_env(repo / ".tmp") | {"CHROME_PATH": browser.find()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stderr
    shots = [json.loads(line) for line in checked.stdout.splitlines()]
    assert [shot["slide"] for shot in shots] == list(range(1, len(slides(SLIDES.read_text())) + 1))
    for shot in shots:
        png = Path(shot["screenshot"]).read_bytes()[:24]
        assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == FRAME, shot["screenshot"]
    misfits = [f"slide {shot['slide']}: {problem}" for shot in shots for problem in shot["problems"]]
    assert not misfits, "\n".join(misfits)


def test_make_slides_without_node_says_what_to_install(tmp_path):
    repo = copy_of_the_repo(tmp_path / "repo", solved=False)
    bin_folder = tmp_path / "bin"  # make and the shell's tools, but no node nor npm
    bin_folder.mkdir()
    for tool in ("make", "sh", "dirname", "grep"):
        (bin_folder / tool).symlink_to(shutil.which(tool))
    done = subprocess.run(
        "make slides",
        shell=True,
        cwd=repo,
        env=command_env(repo / ".tmp") | {"PATH": str(bin_folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0, done.stdout
    assert "make slides needs node and npm" in done.stdout and "apt-get install nodejs npm" in done.stdout, done.stdout


def test_make_slides_without_its_source_says_how_to_get_it_back(tmp_path):
    repo = copy_of_the_repo(tmp_path / "repo", solved=False)
    (repo / "docs" / "slides.md").unlink()
    done = subprocess.run(
        "make slides", shell=True, cwd=repo, env=command_env(repo / ".tmp"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0 and "docs/slides.md is missing: `git checkout -- docs/slides.md`" in done.stdout
    assert not (repo / ".slides").exists(), done.stdout
