"""The judge: a chapter's quick tests, run as `make check` runs them (in its
test process, tools/attendee/check/host.py), on many variants of the
chapter's main.py at once, in one process. Each variant is a tree of its own
(`--tree`, given once per variant). Returns what the checker would say of
each: {variant: {blank: message}}, empty for a variant that passes.

The exercise contract, the answer sets of the chapter records and the
checker's wording are all judged this way: one run per chapter, not one
checker run per answer."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tools.attendee.check.run import SET_ASIDE
from tools.paths import ROOT, SOLUTIONS


@dataclass
class Verdict:
    problems: dict = field(default_factory=dict)  # {blank: message}, 0 for the chapter as a whole
    tests: dict = field(default_factory=dict)  # {test: the blank it is tied to, or 0}
    failed: set = field(default_factory=set)  # the tests that failed
    finished: bool = False

    def message(self, blank=None):
        return "\n".join(text for number, text in sorted(self.problems.items()) if blank in (None, number))


def judge(chapter, variants, folder, limit=120):
    """variants: {name: the text of main.py}. Returns {name: Verdict}."""
    folder = Path(folder)
    trees = []
    for name, text in variants.items():
        tree = folder / "variants" / name
        chapter.copy(SOLUTIONS, tree / chapter.name)
        (tree / chapter.name / "main.py").write_text(text)
        trees.append(f"--tree={tree}")
    results = folder / "results.jsonl"
    shown = f"{chapter.name}/main.py"
    command = [sys.executable, "-m", "tools.attendee.check.host", str(results), shown, str(limit), "--"]
    command += [str(chapter.tests), *trees, f"--basetemp={folder / 'tests'}"]
    command += ["-p", "no:cacheprovider", "-q", "--tb=no", "--show-capture=no", "-m", "not thorough"]
    env = {k: v for k, v in os.environ.items() if k not in SET_ASIDE and not k.startswith(("LUIGI_", "PYTEST_"))}
    env |= {"PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "TMPDIR": str(folder)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit + 30)
    verdicts = {name: Verdict() for name in variants}
    records = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    only = next(iter(verdicts.values())) if len(verdicts) == 1 else None  # one tree: its tests are not parametrized
    for record in records:
        verdict = verdicts.get(record.get("tree")) or only
        if record["event"] == "start" and verdict:
            verdict.tests[record["test"].split("[")[0]] = record["blank"]
        if record["event"] == "failed" and verdict:
            verdict.problems.setdefault(record["blank"], record["message"])
            verdict.failed.add(record["test"].split("[")[0])
        if record["event"] == "finished":
            for verdict in verdicts.values():
                verdict.finished = True
    if not any(r["event"] == "finished" for r in records):
        raise AssertionError(f"the judge did not finish: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return verdicts
