"""The workshop's tools, run by the Makefile as `python -m tools.<layer>.<command>`.

Layers, from the bottom: this package's modules (the chapter records, the
blanks, paths, processes and ports, luigid, a clone's copy), then the
commands that use them: attendee/ (check, hint, watch, reset, clean, and
chapter 8's mail and history), instructor/ (run, doctor) and demos/
(scale-out, images). A layer imports only from below.

Importing any tool sets up what every tool needs: output that never fails on
a character the terminal's encoding lacks, and plain words for what no tool
catches.
"""

import os
import sys

# A terminal in a locale such as en_US.ISO-8859-1 cannot show "…" or "→": show
# a replacement character rather than fail just when the attendee needs the words.
for _stream in (sys.stdout, sys.stderr):
    if hasattr(_stream, "reconfigure"):
        _stream.reconfigure(errors="replace")


def printable(text):
    """Text with its control characters shown as \ufffd: what a program printed, or an e-mail
    held, may carry the terminal's escape sequences (clear the screen, set the clipboard)."""
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in str(text))


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
