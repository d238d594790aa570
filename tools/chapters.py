"""The chapters, read from their records: solutions/<Chapter>/chapter.toml.

A record holds everything the tools and the tests know about a chapter
besides its files: its place in the workshop, its documented command, what
its tasks write, the settings that make it quick, the hints of its blanks,
and the right and wrong answers its tests are judged on. No tool names a
chapter: they all read this list.
"""

import contextlib
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tools.paths import ROOT, SOLUTIONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

EXERCISES = ROOT
TESTS = ROOT / "tests" / "chapters"
# luigi's LocalTarget writes to <path>-luigi-tmp-<9 or 10 digits> first and
# renames it when done; a run that is killed leaves that file behind.
LUIGI_TMP = re.compile(r".+-luigi-tmp-\d{9,10}")


@dataclass(frozen=True)
class Hint:
    what: str  # level 1: what to do, in words
    link: str  # level 1: where the idea is explained
    how: str  # level 2: which API to use, never the answer (level 3 is read from the solution)


@dataclass(frozen=True)
class Answer:
    """A whole-chapter answer in another style than the solution's: the
    solution with some blanks filled in otherwise (blanks) and, where the
    style reaches beyond the blanks, other lines changed too (replace)."""

    name: str
    right: bool
    blanks: dict  # {blank number: its lines}
    replace: tuple = ()  # (old, new) pairs
    says: str = ""  # for a wrong answer: words that the check's message must hold (the fix)

    def applied(self, solution):
        from tools.blanks import filled

        text = filled(solution, self.blanks)
        for old, new in self.replace:
            if text.count(old) != 1:
                raise ValueError(f"answer {self.name!r}: {old!r} is not in the solution exactly once")
            text = text.replace(old, new)
        return text


@dataclass(frozen=True)
class Chapter:
    name: str  # its folder's name
    number: int
    command: str  # as its page documents it, run in the chapter folder
    then: str = ""  # what `make run` shows afterwards, e.g. the file it wrote
    writes: tuple = ()  # every file its tasks write: regular expressions, relative to the folder
    writes_here: tuple = ()  # the same, for files written in the chapter folder only, never at a tree's top
    needs: tuple = ()  # what the command needs running: "luigid"
    quick: str = ""  # luigi settings that make the command quick, for tests and rehearsals
    after_workshop: bool = False  # outside the 90 minutes: the next step after "7 of 7 done"
    history: str = ""  # the SQLite file, in its folder, where `make history` records the tasks' history
    hints: dict = None  # {blank number: Hint}
    answers: tuple = ()

    def folder(self, tree=EXERCISES):
        """The chapter folder in a tree: the repo root (the exercises) or solutions/."""
        return Path(tree) / self.name

    @property
    def tests(self):
        return TESTS / f"test_{self.name.lower()}.py"

    @property
    def needs_luigid(self):
        return "luigid" in self.needs

    @property
    def gone(self):
        """What to say when the chapter folder is missing."""
        return (
            f"The folder {self.name}/ is missing: `git checkout -- {self.name}` (or a fresh download) brings it back."
        )

    def generated(self, relative, here=True):
        """Whether a path relative to the chapter folder is a file that the
        chapter's tasks write, or luigi's temporary file of one. here=False:
        relative to the top of a tree, where the chapter, run from there by
        mistake, writes only its tasks' outputs (writes)."""
        path = PurePosixPath(relative)
        name = path.name.split("-luigi-tmp-")[0] if LUIGI_TMP.fullmatch(path.name) else path.name
        for pattern in self.writes + (self.writes_here if here else ()):
            folder, _, regex = pattern.rpartition("/")
            if str(path.parent) == (folder or ".") and re.fullmatch(regex, name):
                return True
        return False

    def output_folders(self):
        """The folders the outputs go in, relative to the chapter folder, deepest first."""
        folders = set()
        for pattern in self.writes:
            folder = PurePosixPath(pattern.rpartition("/")[0])
            folders.update(p for p in [folder, *folder.parents] if str(p) != ".")
        return sorted(folders, key=lambda p: (-len(p.parts), str(p)))

    def copy(self, tree, destination):
        """Copy the chapter folder to destination, leaving its outputs behind
        (a copy never starts out complete), and what is neither file nor
        folder (a link to nothing, a named pipe), and links to folders (a
        link to .. would copy the repo into itself)."""
        source = self.folder(tree)

        def left_behind(folder, names):
            return [name for name in names if not copied(Path(folder) / name)]

        def copied(path):
            if path.name == "__pycache__" or LUIGI_TMP.fullmatch(path.name):
                return False
            if path.is_symlink() and path.is_dir() or not (path.is_file() or path.is_dir()):
                return False
            outputs_or_record = self.generated(path.relative_to(source)) or path == source / "chapter.toml"
            return not outputs_or_record

        shutil.copytree(source, destination, ignore=left_behind)
        for folder in self.output_folders():  # copied, but holding no output now
            with contextlib.suppress(OSError):
                (Path(destination) / folder).rmdir()
        return Path(destination)


def record_of(folder):
    """The Chapter described by folder/chapter.toml."""
    path = Path(folder) / "chapter.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SystemExit(f"error: cannot read the chapter record {path.relative_to(ROOT)}: {error}") from None
    hints = {int(n): Hint(**hint) for n, hint in data.pop("hints", {}).items()}
    answers = tuple(
        Answer(
            name=answer["name"],
            right=answer["right"],
            blanks={int(n): code for n, code in answer.get("blanks", {}).items()},
            replace=tuple(tuple(pair) for pair in answer.get("replace", ())),
            says=answer.get("says", ""),
        )
        for answer in data.pop("answers", ())
    )
    for key in ("writes", "writes_here", "needs"):
        data[key] = tuple(data.get(key, ()))
    return Chapter(name=Path(folder).name, hints=hints, answers=answers, **data)


def load(solutions=SOLUTIONS):
    """Every chapter with a record, in workshop order."""
    chapters = sorted(
        (record_of(path.parent) for path in Path(solutions).glob("*/chapter.toml")), key=lambda c: c.number
    )
    numbers = [chapter.number for chapter in chapters]
    if numbers != list(range(1, len(chapters) + 1)):
        raise SystemExit(f"error: the chapter records are numbered {numbers}, not 1, 2, 3, ...")
    return chapters


CHAPTERS = load()
# The workshop's own chapters, in the 90 minutes: "7 of 7 done" is its finish line.
WORKSHOP = [chapter for chapter in CHAPTERS if not chapter.after_workshop]


def every(name):
    """Whether a CHAPTER value is `all` (any case): every chapter."""
    return (name or "").strip().lower() == "all"


def find(name):
    """The chapter called `name` (any case; Basics/ as the shell completes a
    folder's name) or numbered so, or SystemExit with the known names."""
    for chapter in CHAPTERS:
        if (name or "").strip().rstrip("/").lower() in (chapter.name.lower(), str(chapter.number)):
            return chapter
    known = ", ".join(c.name for c in CHAPTERS)
    raise SystemExit(f"error: there is no chapter {name!r}. The chapters are: {known}")
