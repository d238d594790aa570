"""Headless Chromium (Debian's `chromium` package, or Google Chrome), driven
from its command line: no browser driver, no Python package. Used by the
browser test of chapter 6 and by `make images` for the screenshot of the
visualiser.

Each call starts a browser with a fresh, empty profile, offline but for the
page it is given (no updates, no sync, no background traffic), and stops it.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
INSTALL = "install it with `sudo apt-get install chromium` (Debian, Ubuntu) or your system's package manager"


def find():
    """The path of a Chromium-like browser on PATH, or None."""
    return next((path for path in map(shutil.which, NAMES) if path), None)


def _run(url, *options, timeout=60):
    browser = find()
    if browser is None:
        raise FileNotFoundError(f"no Chromium found ({', '.join(NAMES)}): {INSTALL}")
    # Chromium keeps a socket in its temporary folder, and a Unix socket's path has at most 107 bytes:
    # under a long TMPDIR (a test's, say) it would not start. Its profile, and its TMPDIR, go to /tmp then.
    short = tempfile.gettempdir() if len(tempfile.gettempdir()) <= 40 or not Path("/tmp").is_dir() else "/tmp"
    with tempfile.TemporaryDirectory(prefix="chromium-profile-", dir=short) as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",  # needed as root, e.g. in CI containers
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *options,
            url,
        ]
        env = {**os.environ, "TMPDIR": profile}
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env
        )
    if done.returncode != 0:
        raise RuntimeError(f"{browser} failed (exit code {done.returncode}):\n{done.stderr[-2000:]}")
    return done


def dom(url, wait_ms=2000):
    """The page's HTML after its scripts ran for wait_ms of (virtual) time."""
    return _run(url, f"--virtual-time-budget={wait_ms}", "--dump-dom").stdout


def screenshot(url, path, size=(1200, 800), wait_ms=5000, *options):
    """Save a PNG of the page, at a fixed window size, after its scripts ran.
    options: more of Chromium's command-line options."""
    path = Path(path).resolve()
    _run(
        url, f"--virtual-time-budget={wait_ms}", f"--window-size={size[0]},{size[1]}", f"--screenshot={path}", *options
    )
    return path
