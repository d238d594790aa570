"""`make doctor`: is this laptop ready for the workshop?

One line per check, ok or problem, and each problem says how to fix it.
Exits 1 if there is a problem. Where make itself is missing, run it with any
Python 3 from the repo root:

    python3 -m tools.doctor [--port N] [--venv DIR] [--python "python3 python3.12 ..."]
"""

from __future__ import annotations  # this file runs on older Pythons too, to say they are too old

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from tools import chapters
from tools.chapters import CHAPTERS, ROOT, SOLUTIONS, shown

PORT = 8082  # where luigi's workers look for luigid, unless told otherwise
# The interpreters that make tries, in this order, to create the venv: PYTHON in the Makefile.
PYTHONS = "python3 python3.13 python3.12 python3.11 python3.10"
OK, WARNING, PROBLEM = "ok", "warning", "problem"


def numbers(version):
    return tuple(int(n) for n in re.findall(r"\d+", version)[:3])


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


def inspect_venv(venv):
    """(its python, the Python version, luigi's version): the versions are None when they cannot be read."""
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():  # also when it is a link to an interpreter that is gone
        return python, None, None
    script = "import sys, importlib.metadata as m; print('%d.%d.%d' % sys.version_info[:3]); print(m.version('luigi'))"
    try:
        lines = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=60).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return python, None, None
    return python, (lines[0] if lines else None), (lines[1] if len(lines) > 1 else None)


def python_check(venv, python, version, pythons):
    if version:
        if (3, 10) <= numbers(version)[:2] <= (3, 13):
            return [(OK, f"Python {version} runs the workshop ({shown(python)})")]
        return [
            (
                PROBLEM,
                f"{shown(python)} is Python {version}, and the workshop needs 3.10 to 3.13: delete {shown(venv)},"
                " then run make setup (add PYTHON=python3.12, or another of them, if python3 is not one)",
            )
        ]
    try:
        picked = subprocess.run([str(ROOT / "tools" / "pick-python"), *pythons], capture_output=True, text=True)
    except OSError as error:
        return [(PROBLEM, f"cannot run tools/pick-python to find a Python ({error}): use WSL on Windows")]
    if picked.returncode != 0:
        return [(PROBLEM, re.sub(r"^error: ", "", picked.stderr.strip()))]
    return [(OK, f"{picked.stdout.strip()} is a Python that works: make setup creates {shown(venv)} with it")]


def venv_check(venv, python, version, luigi):
    if not venv.exists():
        return [(PROBLEM, f"{shown(venv)} is missing: run make setup")]
    if not version:
        return [
            (
                PROBLEM,
                f"{shown(venv)} has no working Python ({shown(python)}: was Python upgraded or removed?):"
                " run make setup, which makes it anew",
            )
        ]
    if not luigi:
        return [(PROBLEM, f"luigi is not installed in {shown(venv)}: run make setup")]
    wanted = re.search(r"^luigi>=([\d.]+),<([\d.]+)", (ROOT / "requirements.txt").read_text(), re.M)
    if wanted and not numbers(wanted[1]) <= numbers(luigi) < numbers(wanted[2]):
        needs = f"luigi>={wanted[1]},<{wanted[2]}"
        return [(PROBLEM, f"{shown(venv)} has luigi {luigi}, and the workshop needs {needs}: run make setup")]
    return [(OK, f"{shown(venv)} has luigi {luigi}")]


def speaks_luigid(port):
    """Whether the program on port answers as luigid's HTTP API does."""
    from tools import luigid  # Python 3.10 or newer, as port_check makes sure

    try:
        with luigid.LOCAL.open(f"http://127.0.0.1:{port}/api/task_list?data={{}}", timeout=2) as answer:
            return "response" in json.load(answer)
    except (OSError, ValueError):
        return False


def listening_pids(port):
    """The pids of the programs listening on a TCP port, as far as this system
    tells (on Linux, only those of this user, unless root): empty if unknown."""
    if Path("/proc/net/tcp").exists():
        sockets = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    fields = line.split()  # local address is ADDRESS:PORT in hex; state 0A is LISTEN
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        sockets.add(f"socket:[{fields[9]}]")
        pids = set()
        for fds in Path("/proc").glob("[0-9]*/fd"):
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) in sockets for fd in fds.iterdir()):
                    pids.add(int(fds.parent.name))
        return sorted(pids)
    if shutil.which("lsof"):  # macOS
        listed = subprocess.run(
            ["lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN", "-Fp"], capture_output=True, text=True
        ).stdout
        return sorted({int(line[1:]) for line in listed.split() if line[1:].isdigit()})
    return []


def program(pid):
    """'name (pid N)' of a process."""
    name = ""
    with contextlib.suppress(OSError):
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    if not name and shutil.which("ps"):
        name = os.path.basename(
            subprocess.run(["ps", "-o", "comm=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
        )
    return f"{name or 'a program'} (pid {pid})"


def port_check(port):
    try:
        from tools import luigid  # needs Python 3.10 or newer
    except Exception:  # an older Python, which the Python check reports
        version = platform.python_version()
        return [(PROBLEM, f"port {port}: not checked on Python {version}; run .venv/bin/python -m tools.doctor")]
    if luigid.port_is_free(port):
        return [(OK, f"port {port} is free for luigi's central scheduler (chapter 6: make luigid)")]
    pids = listening_pids(port)
    if speaks_luigid(port):
        ours = luigid.running(luigid.FOLDER)
        if ours and ours.port == port:
            return [(OK, f"port {port}: the luigid that make luigid started (pid {ours.pid}) answers there")]
        which = f" (pid {pids[0]})" if pids else ""
        return [(OK, f"port {port}: a luigid{which} answers there, not started by make luigid; chapter 6 can use it")]
    return [
        (
            PROBLEM,
            f"port {port} is taken by {program(pids[0]) if pids else 'another program'}, not by a luigid,"
            f" and chapter 6 needs it: stop that program, or give luigid another port:"
            f" make luigid PORT={port + 1}, then python main.py --workers 4 --scheduler-port {port + 1}",
        )
    ]


def tmp_check():
    """The temporary folder: the one the environment names, as most programs read it."""
    named = next((name for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)), None)
    folder = os.environ[named] if named else "/tmp"
    try:
        folder = folder if named else tempfile.gettempdir()
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        fix = f"point {named or 'TMPDIR'} at a folder you can write to, e.g. export {named or 'TMPDIR'}=/tmp"
        return [(PROBLEM, f"the temporary folder {folder} is not writable ({error.strerror}): {fix}")]
    # luigi keeps its pid locks in <temporary folder>/luigi; on a shared machine another user may own it.
    locks = Path(folder) / "luigi"
    if locks.is_dir():
        try:
            with tempfile.TemporaryFile(dir=locks):
                pass
        except OSError as error:
            return [
                (
                    PROBLEM,
                    f"luigi's lock folder {locks} is not writable ({error.strerror}): set TMPDIR to a folder"
                    " of your own, e.g. mkdir -p ~/tmp && export TMPDIR=~/tmp",
                )
            ]
    return [(OK, f"the temporary folder {folder} is writable")]


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
                "make is not installed, and every command of the workshop is a make command: install it"
                " (Debian, Ubuntu, WSL: sudo apt install make; macOS: xcode-select --install)",
            )
        )
    return found


def configs_check():
    """Each chapter's luigi.cfg, in both trees, must be a link to the repo's luigi.cfg (or a copy of it)."""
    shared = ROOT / "luigi.cfg"
    if not shared.is_file():
        return [(PROBLEM, "luigi.cfg is missing in the repo's folder: get it back with git checkout -- luigi.cfg")]
    stubs, broken = [], []
    configs = [chapter.folder(tree) / "luigi.cfg" for tree in (ROOT, SOLUTIONS) for chapter in CHAPTERS]
    for config in configs:
        target = os.path.relpath(shared, config.parent)
        if config.exists() and (config.resolve() == shared.resolve() or config.read_bytes() == shared.read_bytes()):
            continue
        if config.is_file() and not config.is_symlink() and config.read_text(errors="replace").strip() == target:
            stubs.append(config)
        else:
            broken.append((config, target))
    found = []
    if stubs:
        found.append(
            (
                PROBLEM,
                f"{len(stubs)} chapter configs are one-line text files, not links (e.g. {shown(stubs[0])} holds"
                f" {stubs[0].read_text().strip()}): git checked them out without symlinks (core.symlinks=false, as"
                " Git for Windows does). Run make setup to repair them",
            )
        )
    if broken:
        config, target = broken[0]
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        state = "is missing" if not config.exists() and not config.is_symlink() else "is not a link to luigi.cfg"
        found.append((PROBLEM, f"{shown(config)} {state}{more}: put the link back: ln -sf {target} {shown(config)}"))
    return found or [(OK, f"the {len(configs)} chapter configs are links to luigi.cfg")]


def warnings_made_errors(setting):
    """Whether PYTHONWARNINGS makes luigi's warnings (UserWarning) errors: a
    filter whose action is error, or a prefix of it as Python accepts ("e"),
    for every category or for UserWarning or Warning."""
    for entry in setting.split(","):
        action, _, rest = entry.strip().partition(":")
        category = rest.split(":")[1].strip() if rest.count(":") >= 1 else ""
        if action.strip() and "error".startswith(action.strip()) and category in ("", "Warning", "UserWarning"):
            return True
    return False


def environment_check(venv):
    """Settings of this shell, made for other projects, that change what
    python and luigi do in the chapters (make check sets most of them aside)."""
    found = []
    proxy = urllib.request.getproxies().get("http")
    if proxy and not urllib.request.proxy_bypass("localhost"):
        name = next((n for n in ("http_proxy", "HTTP_PROXY") if os.environ.get(n)), "http_proxy")
        hosts = (os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or "").strip(", ")  # they stay, in the fix
        hosts = f"{hosts},localhost,127.0.0.1" if hosts else "localhost,127.0.0.1"
        found.append(
            (
                PROBLEM,
                f"{name} is set ({proxy}) and no_proxy leaves out localhost: luigi would call the luigid of"
                f" chapter 6 through that proxy, which cannot reach it. Run: export no_proxy={hosts}",
            )
        )
    setting = os.environ.get("PYTHONWARNINGS", "")
    if warnings_made_errors(setting):
        found.append(
            (
                PROBLEM,
                f"PYTHONWARNINGS={setting} turns warnings into errors, and luigi warns in chapter 1's first run:"
                " unset PYTHONWARNINGS",
            )
        )
    in_venv = Path(sys.prefix).resolve() == venv.resolve()  # as make doctor runs: the venv's python
    spec = importlib.util.find_spec("luigi") if in_venv else None
    if spec and spec.origin and venv.resolve() not in Path(spec.origin).resolve().parents:
        other = Path(spec.origin).parent
        fix = "unset PYTHONPATH" if os.environ.get("PYTHONPATH") else f"rename or move {shown(other)}"
        found.append((PROBLEM, f"python imports luigi from {shown(other)}, not from {shown(venv)}: {fix}"))
    for name in ("LUIGI_CONFIG_PATH", "LUIGI_CONFIG_PARSER"):  # the settings that luigi reads from the environment
        if name in os.environ:
            found.append(
                (
                    WARNING,
                    f"{name}={os.environ[name]} is set, and luigi reads it: the chapters may not run as their"
                    f" pages show (make check sets it aside). Run: unset {name}",
                )
            )
    for config in chapters.SYSTEM_CONFIGS:
        if config.is_file():
            found.append(
                (
                    WARNING,
                    f"luigi also reads {config}, before the chapter's luigi.cfg: a setting there that the workshop's"
                    " does not make applies too ([worker] keep_alive = true, say, makes a run wait instead of end)."
                    f" For the workshop, move it away: sudo mv {config} {config}.off",
                )
            )
    return found or [(OK, "no setting of this shell or machine changes what luigi does in the chapters")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default=PORT, help=f"the port luigid will use (default: {PORT})")
    parser.add_argument("--venv", default=".venv", help="the virtual environment")
    parser.add_argument("--python", default=PYTHONS, help="the interpreters to try")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[0-9]+", str(args.port)) or not 1 <= int(args.port) <= 65535:  # as make luigid says
        parser.exit(2, f"error: PORT must be a whole number from 1 to 65535, not {str(args.port)!r}.\n")
    args.port = int(args.port)
    venv = (ROOT / args.venv).absolute()
    python, version, luigi = inspect_venv(venv)

    print("Checking that this computer is ready for the workshop:\n")
    results = windows()
    results += python_check(venv, python, version, args.python.split())
    results += venv_check(venv, python, version, luigi)
    results += port_check(args.port)
    results += tmp_check()
    results += tools_check()
    results += configs_check()
    results += environment_check(venv)
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
