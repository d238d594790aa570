"""`make doctor`: is this laptop ready for the workshop?

One line per check, ok or problem, and each problem says how to fix it.
Exits 1 if there is a problem. Where make itself is missing, run it with any
Python 3 from the repo root:

    python3 -m tools.instructor.doctor [--port N] [--venv DIR] [--python "python3 python3.12 ..."]
"""

from __future__ import annotations  # this file runs on older Pythons too, to say they are too old

import argparse
import contextlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PICK_PYTHON = ROOT / "tools" / "setup" / "pick-python"  # the one list of the Pythons the workshop runs on
OK, WARNING, PROBLEM = "ok", "warning", "problem"
FREE_SPACE = 200 * 1024 * 1024  # bytes: the chapters' outputs and the checks' copies need far less


def windows():
    """Windows itself, not WSL (where Python says Linux): native, MSYS2, Git Bash or Cygwin."""
    if platform.system() == "Windows" or sys.platform in ("win32", "cygwin", "msys") or os.environ.get("MSYSTEM"):
        return [
            (
                PROBLEM,
                "Windows without WSL: luigi cannot run more than one worker process here, and chapter 5's"
                " --workers 2 and all of chapter 6 need several. Use WSL"
                " (https://learn.microsoft.com/windows/wsl/install) or open the repo in its dev container.",
            )
        ]
    return []


def python_check(venv, pythons):
    """The venv's Python, if there is one, else the first of pythons, is one the workshop runs on (pick-python says)."""
    python = venv / "bin" / "python"
    candidates = [str(python)] if python.exists() else pythons
    try:
        picked = subprocess.run([str(PICK_PYTHON), *candidates], capture_output=True, text=True)
    except OSError as error:
        return [(PROBLEM, f"cannot run tools/setup/pick-python to find a Python ({error}): use WSL on Windows")]
    if picked.returncode == 0 and python.exists():
        return [(OK, f"{shown(python)} runs the workshop ({version_of(python)})")]
    if picked.returncode == 0:
        return [(OK, f"{picked.stdout.strip()} runs the workshop: make setup creates {shown(venv)} with it")]
    said = re.sub(r"^error: ", "", picked.stderr.strip())
    if python.exists():
        return [(PROBLEM, f"{shown(python)}: {said}. Delete {shown(venv)}, then run make setup")]
    return [(PROBLEM, said)]


def version_of(python):
    done = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
    )
    return f"Python {done.stdout.strip()}" if done.returncode == 0 else "its Python does not start"


def venv_check(venv):
    """The venv exists, and holds everything requirements.txt asks for (pip's own check, offline)."""
    python = venv / "bin" / "python"
    if not venv.exists():
        return [(PROBLEM, f"{shown(venv)} is missing: run make setup")]
    if not python.exists():
        return [(PROBLEM, f"{shown(venv)} has no working Python (was Python upgraded or removed?): run make setup")]
    has_pip = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode == 0
    if not has_pip:  # a venv made by `uv venv`, say
        return [(PROBLEM, f"{shown(venv)} has no pip (made by uv?): run make setup, which installs pip into it")]
    check = [str(python), "-m", "pip", "install", "--dry-run", "--no-index", "--disable-pip-version-check"]
    done = subprocess.run(
        [*check, "-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PIP_USER="0"),
    )
    missing = re.findall(r"^Would install (.+)$", done.stdout, re.M) or re.findall(
        r"No matching distribution found for (\S+)", done.stderr
    )
    if done.returncode != 0 or missing:
        what = ", ".join(missing) or done.stderr.strip().splitlines()[-1:]
        return [(PROBLEM, f"{shown(venv)} misses what the workshop needs ({what}): run make setup")]
    luigi = subprocess.run(
        [str(python), "-c", "import luigi, luigi.server; print(luigi.__version__)"], capture_output=True, text=True
    )
    if luigi.returncode != 0:
        last = (luigi.stderr.strip().splitlines() or ["?"])[-1]
        return [(PROBLEM, f"luigi does not import in {shown(venv)} ({last}): run make setup")]
    return [(OK, f"{shown(venv)} has luigi {luigi.stdout.strip()} and the rest of requirements.txt")]


def port_check(port):
    try:  # the workshop's own modules need Python 3.10 or newer, and psutil
        from tools import luigid, processes
    except Exception:  # an older Python, or no venv yet: the checks above say so
        return [(WARNING, f"port {port}: not checked here; run make doctor once make setup is done")]
    if processes.port_is_free(port):
        return [(OK, f"port {port} is free for luigi's central scheduler (chapter 6: make luigid)")]
    program = processes.listener(port) or "another program"
    ours = luigid.running(luigid.FOLDER)
    answers = luigid.is_luigid(f"http://127.0.0.1:{port}/") or luigid.is_luigid(f"http://[::1]:{port}/")
    if ours and ours.port == port:
        if answers:
            return [(OK, f"port {port}: the luigid that make luigid started (pid {ours.pid}) answers there")]
        return [
            (
                PROBLEM,
                f"port {port}: the luigid of make luigid (pid {ours.pid}) does not answer (stopped?): make "
                "luigid-stop, then make luigid",
            )
        ]
    if answers:
        return [
            (OK, f"port {port}: a luigid ({program}) answers there, not started by make luigid; chapter 6 can use it")
        ]
    return [
        (
            PROBLEM,
            f"port {port} is taken by {program}, which does not answer as a luigid, and chapter 6 needs it: stop"
            f" it, or give luigid another port: make luigid PORT={port + 1}, then python main.py --workers 4"
            f" --scheduler-port {port + 1}",
        )
    ]


def space_check(named, folder):
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return []
    if free < FREE_SPACE:
        return [
            (
                PROBLEM,
                f"{named} {folder} has {free // 1024 // 1024} MB free: the checks and chapters need 200 MB; make "
                "room there",
            )
        ]
    return []


def tmp_check():
    """The temporary folder, as the environment names it: writable, with room."""
    named = next((name for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)), None)
    folder = os.environ[named] if named else tempfile.gettempdir()
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        fix = f"point {named or 'TMPDIR'} at a folder you can write to, e.g. export {named or 'TMPDIR'}=/tmp"
        return [(PROBLEM, f"the temporary folder {folder} is not writable ({error.strerror}): {fix}")]
    locks = Path(folder) / "luigi"  # luigi keeps its pid locks there; on a shared machine another user may own it
    if locks.is_dir():
        try:
            with tempfile.TemporaryFile(dir=locks):
                pass
        except OSError as error:
            return [
                (
                    PROBLEM,
                    f"luigi's lock folder {locks} is not writable ({error.strerror}): set TMPDIR to a folder of "
                    "your own, e.g. mkdir -p ~/tmp && export TMPDIR=~/tmp",
                )
            ]
    return space_check("the temporary folder", folder) or [(OK, f"the temporary folder {folder} is writable")]


def repo_check():
    """The chapters write next to main.py, and the checks in .workshop/: the repo must be writable, with room."""
    try:
        with tempfile.TemporaryFile(dir=ROOT):
            pass
    except OSError as error:
        return [
            (
                PROBLEM,
                f"this repo's folder is not writable ({error.strerror}): the chapters write their outputs there. "
                "Clone it to a folder of your own",
            )
        ]
    return space_check("the disk of this repo,", ROOT) or [
        (OK, "this repo's folder is writable, with room for the outputs")
    ]


def tools_check():
    found = []
    if shutil.which("git"):
        found.append((OK, "git is installed"))
    elif (ROOT / ".git").exists():
        found.append((PROBLEM, "git is not installed, and this copy is a git clone: install git (https://git-scm.com)"))
    else:
        found.append(
            (WARNING, "git is not installed; this copy has no .git (a zip download?), the chapters run without")
        )
    if shutil.which("make"):
        found.append((OK, "make is installed"))
    else:
        found.append(
            (
                PROBLEM,
                "make is not installed, and every command of the workshop is a make command: install it (Debian, "
                "Ubuntu, WSL: sudo apt install make; macOS: xcode-select --install)",
            )
        )
    return found


def configs_check():
    """Each chapter's luigi.cfg, in both trees, must be a link to the repo's luigi.cfg (or a copy of it)."""
    shared = ROOT / "luigi.cfg"
    if not shared.is_file():
        return [(PROBLEM, "luigi.cfg is missing in the repo's folder: get it back with git checkout -- luigi.cfg")]
    names = [p.parent.name for p in sorted((ROOT / "solutions").glob("*/chapter.toml"))]
    gone = [name for name in names if not (ROOT / name).is_dir()]
    stubs, broken = [], []
    for name in names:
        for config in (ROOT / name / "luigi.cfg", ROOT / "solutions" / name / "luigi.cfg"):
            if not config.parent.is_dir():
                continue
            target = os.path.relpath(shared, config.parent)
            if config.exists() and (config.resolve() == shared.resolve() or config.read_bytes() == shared.read_bytes()):
                continue
            if config.is_file() and not config.is_symlink() and config.read_text(errors="replace").strip() == target:
                stubs.append(config)
            else:
                broken.append((config, target))
    found = [
        (PROBLEM, f"the chapter folder {name}/ is missing (renamed?): git checkout -- {name} brings it back")
        for name in gone
    ]
    if stubs:
        found.append(
            (
                PROBLEM,
                f"{len(stubs)} chapter configs are one-line text files, not links (e.g. {shown(stubs[0])}): git "
                "checked them out without symlinks (core.symlinks=false, as Git for Windows does). Run make setup "
                "to repair them",
            )
        )
    if broken:
        config, target = broken[0]
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        state = "is missing" if not config.exists() and not config.is_symlink() else "is not a link to luigi.cfg"
        found.append((PROBLEM, f"{shown(config)} {state}{more}: put the link back: ln -sf {target} {shown(config)}"))
    return found or [(OK, "every chapter folder is there, with its link to luigi.cfg")]


def leftovers_check():
    """What commands that were killed (kill -9, a closed laptop) left behind: the next command sweeps it."""
    try:
        from tools import luigid, processes
    except Exception:
        return []
    found = []
    left = processes.leftovers()
    if left:
        running = sum(len(pids) for pids in left.values())
        found.append(
            (
                WARNING,
                f"{len(left)} scratch folders in .workshop/scratch/ from stopped commands ({running} processes "
                "still running): make clean removes them",
            )
        )
    state = luigid.FOLDER / "luigid.pid"
    if state.exists() and not luigid.running(luigid.FOLDER):
        found.append((WARNING, ".luigid/luigid.pid names a luigid that is gone: make luigid starts a new one"))
    return found


def warnings_made_errors(setting):
    """Whether PYTHONWARNINGS makes luigi's warnings (UserWarning) errors: a filter
    whose action is error, or a prefix of it as Python accepts ("e"), for every
    category or for UserWarning or Warning."""
    for entry in setting.split(","):
        action, _, rest = entry.strip().partition(":")
        category = rest.split(":")[1].strip() if rest.count(":") >= 1 else ""
        if action.strip() and "error".startswith(action.strip()) and category in ("", "Warning", "UserWarning"):
            return True
    return False


def environment_check(venv):
    """Settings of this shell, made for other projects, that change what python and luigi do in the chapters."""
    found = []
    proxy = urllib.request.getproxies().get("http")
    if proxy and not urllib.request.proxy_bypass("localhost"):
        name = next((n for n in ("http_proxy", "HTTP_PROXY") if os.environ.get(n)), "http_proxy")
        hosts = (os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or "").strip(", ")
        hosts = f"{hosts},localhost,127.0.0.1" if hosts else "localhost,127.0.0.1"
        found.append(
            (
                PROBLEM,
                f"{name} is set ({proxy}) and no_proxy leaves out localhost: luigi would call the luigid of chapter "
                f"6 through that proxy, which cannot reach it. Run: export no_proxy={hosts}",
            )
        )
    setting = os.environ.get("PYTHONWARNINGS", "")
    if warnings_made_errors(setting):
        found.append(
            (
                PROBLEM,
                f"PYTHONWARNINGS={setting} turns warnings into errors, and luigi warns in chapter 1's first run: "
                "unset PYTHONWARNINGS",
            )
        )
    if os.environ.get("PYTHONSAFEPATH"):
        found.append(
            (
                PROBLEM,
                "PYTHONSAFEPATH is set: Python then does not import a module beside main.py, and chapter 6's "
                "main.py imports preflight.py. Run: unset PYTHONSAFEPATH",
            )
        )
    if os.environ.get("PYTHONPATH"):
        found.append(
            (
                WARNING,
                f"PYTHONPATH={os.environ['PYTHONPATH']} is set: a module there may hide one that the chapters "
                "import. For the workshop: unset PYTHONPATH",
            )
        )
    for name in ("LUIGI_CONFIG_PATH", "LUIGI_CONFIG_PARSER"):  # the settings that luigi reads from the environment
        if name in os.environ:
            found.append(
                (
                    WARNING,
                    f"{name}={os.environ[name]} is set, and luigi reads it: the chapters may not run as their pages "
                    f"show (make check sets it aside). Run: unset {name}",
                )
            )
    for config in (Path("/etc/luigi/client.cfg"), Path("/etc/luigi/luigi.cfg")):
        if config.is_file():
            found.append(
                (
                    WARNING,
                    f"luigi also reads {config}, before the chapter's luigi.cfg: a setting there applies too. For "
                    f"the workshop, move it away: sudo mv {config} {config}.off",
                )
            )
    return found or [(OK, "no setting of this shell or machine changes what luigi does in the chapters")]


def shown(path):
    with contextlib.suppress(ValueError):
        return Path(path).relative_to(Path.cwd())
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default="8082", help="the port luigid will use (default: 8082)")
    parser.add_argument("--venv", default=".venv", help="the virtual environment")
    parser.add_argument("--python", default="python3", help="the interpreters to try")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[0-9]+", str(args.port)) or not 1 <= int(args.port) <= 65535:  # as make luigid says
        parser.exit(2, f"error: PORT must be a whole number from 1 to 65535, not {str(args.port)!r}.\n")
    venv = (ROOT / args.venv).absolute()
    print("Checking that this computer is ready for the workshop:\n")
    results = windows() + python_check(venv, args.python.split()) + venv_check(venv)
    results += port_check(int(args.port)) + repo_check() + tmp_check() + tools_check() + configs_check()
    results += leftovers_check() + environment_check(venv)
    for status, message in results:
        print(f"  {status:<8} {message}")
    problems = sum(status == PROBLEM for status, _ in results)
    if problems:
        print(
            f"\n{problems} problem{'s' if problems > 1 else ''}: each says how to fix it. Then run make doctor again."
        )
        return 1
    print("\nReady. Start with chapter 1: open Basics/main.py, and run make check (or make watch).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
