"""The chapters that passed, by a digest of everything their checks read:
`make hint` and `make watch` need not check a chapter again while none of it
changed (a check that a chapter passed before on the very same files)."""

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
from pathlib import Path

from tools.paths import ROOT, SOLUTIONS, STATE

PASSED = STATE / "passed.json"
KEEP = 20  # digests kept per chapter
# Besides PYTHON*, LUIGI_* and LC_*: the environment's settings that a check may depend on.
READ = ("LANG", "TZ", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")
# The configuration files of the whole machine that luigi reads before ./luigi.cfg
# (luigi.configuration.LuigiConfigParser._config_paths).
SYSTEM_CONFIGS = (Path("/etc/luigi/client.cfg"), Path("/etc/luigi/luigi.cfg"))


def digest(chapter, copy):
    """One hash of all that a chapter's checks read: every file of the copy of
    its folder, its tests and the tools they use, luigi's configuration
    files, the versions of Python and luigi, and the settings of the
    environment that Python and luigi read. None if a file cannot be read."""
    luigi = "none"
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        luigi = importlib.metadata.version("luigi")
    hashed = hashlib.sha256(f"{sys.version} {luigi}".encode())
    read = sorted((k, v) for k, v in os.environ.items() if k.startswith(("PYTHON", "LUIGI_", "LC_")) or k in READ)
    hashed.update(repr(read).encode(errors="surrogateescape"))
    files = sorted(p for p in Path(copy).rglob("*") if p.is_file())
    tests = chapter.tests.parent
    others = [chapter.tests, *sorted(tests.glob("*.py")), ROOT / "requirements.txt", ROOT / "luigi.cfg"]
    others += sorted((ROOT / "tools").rglob("*.py")) + [chapter.folder(SOLUTIONS) / "chapter.toml"]
    others += [p for p in SYSTEM_CONFIGS if p.is_file()]
    try:
        for path in [*files, *others]:
            name = path.relative_to(copy) if path in files else path
            hashed.update(os.fsencode(name) + f"\0{path.stat().st_size}\0".encode())  # any byte of a file name
            hashed.update(path.read_bytes())
    except OSError:
        return None
    return hashed.hexdigest()


def passed_before(chapter, fingerprint):
    """Whether the checks of this chapter passed before on the files of that digest."""
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        return fingerprint is not None and fingerprint in json.loads(PASSED.read_text()).get(chapter.name, [])
    return False


def record_pass(chapter, fingerprint):
    """Add a digest to the chapter's. Two checks at once may each write: one's
    record is then lost, and the chapter is checked once more. A repo that
    cannot be written to keeps no record."""
    if fingerprint is None:
        return
    written = PASSED.with_name(f"{PASSED.name}.{os.getpid()}.tmp")
    try:
        passed = {}
        with contextlib.suppress(OSError, ValueError, TypeError):
            passed = dict(json.loads(PASSED.read_text()))
        digests = passed.get(chapter.name)
        digests = [d for d in digests if d != fingerprint] if isinstance(digests, list) else []
        passed[chapter.name] = [*digests, fingerprint][-KEEP:]
        PASSED.parent.mkdir(exist_ok=True)
        written.write_text(json.dumps(passed, indent=1, sort_keys=True) + "\n")
        os.replace(written, PASSED)  # whole or not at all: never half a file
    except OSError:
        with contextlib.suppress(OSError):
            written.unlink(missing_ok=True)
