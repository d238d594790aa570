"""`make history`: a luigid that records every task it schedules into the
database that a chapter's record names (`history`, chapter 8's history.db),
in the foreground until Ctrl-C. Beside `make luigid`, on a port of its own;
one at a time, and make clean leaves its database alone while it runs.

    python -m tools.attendee.history [--port 8083]
"""

import argparse
import contextlib
import errno
import sqlite3
import sys

from tools import luigid, processes
from tools.chapters import CHAPTERS
from tools.luigid import LuigidError
from tools.paths import ROOT, shown

HISTORY_FOLDER = ROOT / ".luigid-history"  # its log and state (the history itself is in the database)
HISTORY_DB = next((c.folder() / c.history for c in CHAPTERS if c.history), None)
HISTORY_PORT = 8083


def writable(db):
    """Why SQLite cannot write to db (None if it can): a read-only file or folder, a file that is no database."""
    if set("?#") & set(str(db)):  # they end the file name in the database's address (sqlite:///path?...)
        return f"its path {db} holds a ? or #, which SQLAlchemy's address cuts off there: move the repo"
    if not db.parent.is_dir():
        return f"the folder {shown(db.parent)}/ is missing: `git checkout -- {shown(db.parent)}` brings it back"
    try:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.execute(f"PRAGMA user_version = {version}")  # a write that changes nothing
            connection.commit()
    except sqlite3.Error as error:
        return f"{shown(db)}: {error}"
    return None


def checked(args):
    """The port to listen on, once everything it needs is there; or LuigidError."""
    port = HISTORY_PORT if args.port is None else luigid.check_port(args.port)
    if HISTORY_DB is None:
        raise LuigidError("no chapter's record names a history database (`history` in its chapter.toml)")
    if owner := processes.claimed(HISTORY_FOLDER):
        raise LuigidError(f"make history already runs (pid {owner}): one at a time. Ctrl-C in its terminal stops it.")
    if reason := luigid.taken(port):
        raise LuigidError(reason.replace("make luigid PORT", "make history PORT"))
    try:
        import sqlalchemy  # noqa: F401 (luigid's history needs it: say so now, not in its log)
    except ImportError:
        raise LuigidError("this venv lacks SQLAlchemy, which luigid's history needs. Run: make setup") from None
    if reason := writable(HISTORY_DB):
        raise LuigidError(f"luigid cannot keep its history: {reason}")
    return port


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make history", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", help=f"port to listen on (default: {HISTORY_PORT})")
    args = parser.parse_args(argv)
    processes.on_stop()  # first thing: if make is killed even now, this process ends (luigid saves its state)
    port = args.port
    try:
        port = checked(args)
        with processes.claim(HISTORY_FOLDER):
            print(f"luigid records the tasks' history into {shown(HISTORY_DB)}. Ctrl-C stops it.")
            print(f"Send the workers here with --scheduler-port {port}, then open http://localhost:{port}/history")
            print(f"Its log: {shown(HISTORY_FOLDER / 'luigi-server.log')}", flush=True)
            command = ["--port", str(port), "--folder", str(HISTORY_FOLDER), "--history", str(HISTORY_DB)]
            luigid.serve([*command, "--logdir", str(HISTORY_FOLDER)])
    except LuigidError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except FileExistsError as error:
        if error.errno is None:  # claimed between the check and now: the pid of its owner
            print(f"error: make history already runs (pid {error}): one at a time.", file=sys.stderr)
        else:  # a file where its folder goes
            print(f"error: cannot write luigid's files in {shown(HISTORY_FOLDER)}/: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if error.errno == errno.EADDRINUSE:  # another program took the port since the check
            print(f"error: port {port} was just taken by another program. Try again, or pick another.", file=sys.stderr)
        else:  # a read-only repo, a file where the folder goes
            print(f"error: cannot write luigid's files in {shown(HISTORY_FOLDER)}/: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):  # luigid saved its state, and ends with sys.exit on Ctrl-C
        pass
    print("\nStopped luigid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
