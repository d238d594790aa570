"""The workshop's tools, run as `python -m tools.<name>` by the Makefile."""

import os
import sys


def plain_words(kind, value, trace, default=sys.excepthook):
    """What no tool caught: a Ctrl-C before the tool has set up its own
    handling of it (while Python imports it, say) says "Stopped.", and
    output piped into a command that stopped reading (`make check | head`)
    ends quietly. Anything else is a bug, shown in full."""
    if issubclass(kind, KeyboardInterrupt):
        print("\nStopped.", file=sys.stderr)
    elif issubclass(kind, BrokenPipeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's last flush must not fail again
    else:
        default(kind, value, trace)


sys.excepthook = plain_words
