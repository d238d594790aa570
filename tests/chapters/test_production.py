"""Chapter 8, Production: a night as a WrapperTask, a backfill, cron, alerts by e-mail, history, tests."""

import contextlib
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import luigi
import luigi.task_register
import pytest
from harness import show, tasks_in

from tools import processes
from tools.attendee import mail
from tools.demos import browser
from tools.paths import ROOT

NIGHTS = [datetime.date(2026, 11, 2) + datetime.timedelta(days=n) for n in range(7)]  # data/ holds their texts
BROKEN = datetime.date(2026, 11, 9)  # data/2026-11-09.txt is empty
NOW = 1794268800  # 2026-11-10 00:00 UTC, the --now of the documented command
YEAR = 365 * 24 * 3600
PAGE = (ROOT / "Production" / "README.md").read_text()


def page_command(starting):
    """The one command of the page that starts so."""
    (line,) = {line.removeprefix("$ ") for line in PAGE.splitlines() if line.startswith(starting)}
    return line


def nights_written(folder):
    return sorted(path.stem for path in (folder / "nights").glob("*.tsv"))


@pytest.mark.blank(1)
def test_the_command_line_finds_range_daily(chapter, monkeypatch):
    """As in a new `python main.py`: luigi knows RangeDaily by its name only once its module,
    luigi.tools.range, is imported. This process imported it before: forget it first."""
    registry = luigi.task_register.Register._reg  # the test's own registry: reset after each test
    registry[:] = [cls for cls in registry if cls.__module__ != "luigi.tools.range"]
    monkeypatch.delitem(sys.modules, "luigi.tools.range")
    chapter.load()
    try:
        luigi.task_register.Register.get_task_cls("RangeDaily")
    except luigi.task_register.TaskClassNotFoundException:
        pytest.fail("`python main.py RangeDaily ...` should find RangeDaily (in luigi.tools.range): No task RangeDaily")


@pytest.mark.blank(2)
def test_a_night_requires_its_count_and_its_archive(chapter):
    main = chapter.load()
    night = NIGHTS[0]
    required = tasks_in(main.Nightly(night).requires())
    expected = [main.Archive(night), main.CountWords(night)]
    assert sorted(required, key=str) == expected, (
        f"Nightly({night}).requires() should return {show(expected)}, not {show(required)}"
    )


@pytest.mark.blank(3)
def test_a_text_without_words_fails_and_writes_no_count(chapter):
    main = chapter.load()
    for text in ["", "42 -- 17!\n"]:
        (chapter.copy() / "data" / f"{BROKEN}.txt").write_text(text)
        count = main.CountWords(BROKEN)
        try:
            count.run()
            raised = None
        except NotImplementedError:
            raise
        except Exception as error:  # any exception fails a task
            raised = error
        where = f"with {text!r} in data/{BROKEN}.txt"
        assert raised is not None, f"{where}, CountWords.run() should raise an error; it ended without one"
        assert "data/2026-11-09.txt" in str(raised), (
            f"{where}, CountWords.run() should raise an error that names the file (self.input().path),"
            f" not {type(raised).__name__}: {raised}"
        )
        assert not count.output().exists(), f"{where}, CountWords should write no count"


@pytest.mark.blank(3)
def test_a_text_with_words_is_counted(chapter):
    main = chapter.load()
    (chapter.copy() / "data" / f"{BROKEN}.txt").write_text("Night night, said the night shift\n")
    main.CountWords(BROKEN).run()
    assert (chapter.copy() / "nights" / f"{BROKEN}.tsv").read_text().splitlines()[0] == "night\t3"


def test_the_command_runs(chapter):
    """The documented backfill, run in this process: all of main.py works together."""
    ran = chapter.main(*chapter.command.split()[2:])
    tasks = 3 * len(NIGHTS) + 1  # a Nightly, a CountWords and an Archive a night, and the range
    assert ran.code == 0 and f"* {tasks} ran successfully" in ran.output, f"`{chapter.command}` should succeed; {ran}"


@pytest.mark.thorough
def test_documented_backfill_runs_the_missing_nights_only(chapter):
    first = chapter.cli("python main.py Nightly --date 2026-11-02 --local-scheduler")
    assert first.returncode == 0, first.stdout
    backfill = chapter.cli()
    assert backfill.returncode == 0, backfill.stdout
    assert "Nightly(date=2026-11-03...2026-11-08)" in backfill.stdout, backfill.stdout
    assert nights_written(chapter.copy()) == [str(night) for night in NIGHTS]
    assert (chapter.copy() / "archive" / "2026-11-05.txt").read_bytes() == (
        chapter.copy() / "data" / "2026-11-05.txt"
    ).read_bytes()
    assert not chapter.unlisted(), f"the record's writes miss {chapter.unlisted()}: make clean would too"
    again = chapter.cli()
    assert again.returncode == 0 and "Did not run any tasks" in again.stdout, again.stdout


@pytest.mark.thorough
def test_a_year_later_the_documented_backfill_does_the_same(chapter, monkeypatch):
    """--now pins the range's "now": without it, a year on, the range schedules nothing."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + YEAR)
    pinned = chapter.main(*chapter.command.split()[2:])
    assert pinned.code == 0 and f"* {3 * len(NIGHTS) + 1} ran successfully" in pinned.output, pinned
    shutil.rmtree(chapter.copy() / "nights")
    shutil.rmtree(chapter.copy() / "archive")
    unpinned = chapter.main(*chapter.command.replace(f" --now {NOW}", "").split()[2:])
    assert "Nightly(" not in unpinned.output and not (chapter.copy() / "nights").exists(), unpinned


@pytest.mark.thorough
def test_a_failing_night_is_emailed_with_the_task_and_its_error(chapter):
    mailbox = mail.Mailbox()
    port = processes.free_port()
    server = mail.serving(mailbox, port)
    try:
        command = page_command("$ python main.py Nightly --date 2026-11-09").replace("8025", str(port))
        ran = chapter.cli(command)
        assert ran.returncode == 30 and "INFO: Sending email to ['you@example.com']" in ran.stdout, ran.stdout
        assert mailbox.arrived.wait(10), "no e-mail arrived"
    finally:
        server.stop()
    (message,) = mailbox.messages
    assert message["Subject"] == "Luigi: CountWords(date=2026-11-09) FAILED. Host: " + message["Subject"].split()[-1]
    assert "ValueError: data/2026-11-09.txt holds no words" in mail.text_of(message)


@pytest.mark.thorough
def test_from_a_terminal_luigi_sends_no_email_unless_forced(chapter):
    """What the page says of luigi/notifications.py: output to a terminal, no e-mail."""
    command = page_command("$ python main.py Nightly --date 2026-11-09").replace(" --email-force-send", "")
    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            command + " 2>&1", shell=True, cwd=chapter.copy(), stdout=follower, timeout=120,
            env=processes.command_env(chapter.workdir / "tmp"),
        )  # fmt: skip
        os.close(follower)
        output = b""
        while chunk := _read(leader):
            output += chunk
    finally:
        os.close(leader)
    assert done.returncode == 30
    assert "Not sending email to ['you@example.com'] because running from a tty" in output.decode(), output


def _read(fd):
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: all was read
        return b""


@pytest.mark.thorough
def test_the_crontab_line_runs_under_crons_bare_environment(solved, tmp_path):
    """The page's line, as cron runs it: sh, HOME, and PATH=/usr/bin:/bin only, with cron's
    `\\%` made `%`. A broken night among the last week's e-mails its error through the machine's
    mail server ([smtp] in luigi.cfg, here on a free port). Then, with last night's run still
    going, tonight's exits at once: luigi's lock."""
    line = re.search(r"```text\n(30 2 \* \* \* .*)\n```", PAGE)[1]
    command = line.split(maxsplit=5)[5].replace("\\%", "%")  # cron's rule for %, should the line hold one
    home = tmp_path / "home"
    home.mkdir()
    (home / "luigi-workshop").symlink_to(solved)
    (solved / ".venv").symlink_to(sys.prefix)  # the venv that runs these tests, where the clone would have its own
    folder = solved / "Production"
    today = datetime.datetime.now(datetime.timezone.utc).date()  # luigi's ranges count in UTC
    days = [today - datetime.timedelta(days_ago) for days_ago in range(1, 9)]  # one more than the range holds
    for day in days:
        shutil.copy(folder / "data" / "2026-11-02.txt", folder / "data" / f"{day}.txt")
    broken = days[2]
    (folder / "data" / f"{broken}.txt").write_text("")
    mailbox, port = mail.Mailbox(), processes.free_port()
    with open(solved / "luigi.cfg", "a") as config:
        config.write(f"\n[smtp]\nport = {port}\n")
    server = mail.serving(mailbox, port)
    cron = ["env", "-i", f"HOME={home}", "LOGNAME=cron", "SHELL=/bin/sh", "PATH=/usr/bin:/bin", "/bin/sh", "-c"]
    try:
        tonight = subprocess.run([*cron, command], capture_output=True, text=True, timeout=120)
        log = (folder / "nightly.log").read_text()
        assert tonight.returncode == 30, log  # task_failed in luigi.cfg
        assert mailbox.arrived.wait(10), f"no e-mail arrived:\n{log}"
    finally:
        server.stop()
    assert f"CountWords(date={broken}) FAILED" in mailbox.messages[0]["Subject"]
    week = {str(day) for day in days[:7]}  # yesterday and the six nights before it
    assert set(nights_written(folder)) == week - {str(broken)}, log
    assert f"Nightly(date={today})" not in log, "tonight's text has not arrived: the range ends at yesterday"

    stuck = days[1]  # a night that hangs: its text is a pipe nobody writes to
    (folder / "nights" / f"{stuck}.tsv").unlink()
    (folder / "data" / f"{stuck}.txt").unlink()
    os.mkfifo(folder / "data" / f"{stuck}.txt")
    seen = len((folder / "nightly.log").read_text())  # the log so far: the first night's

    def log():
        return (folder / "nightly.log").read_text()[seen:]

    last_night = subprocess.Popen([*cron, command], start_new_session=True)
    runs = [last_night]  # each in a session of its own: stopped whole, whatever happens
    try:
        deadline = time.monotonic() + 30
        while "running   CountWords(date=" + str(stuck) not in log():
            assert time.monotonic() < deadline and last_night.poll() is None, log()
            time.sleep(0.1)
        started = time.monotonic()
        runs.append(subprocess.Popen([*cron, command], start_new_session=True))
        assert runs[-1].wait(timeout=60) == 10 and time.monotonic() - started < 20, log()
        assert re.search(r"Pid\(s\) \{\d+\} already running", log()), log()
    finally:
        for run in runs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            run.wait()


@pytest.mark.thorough
def test_make_history_records_the_nights_and_shows_them(solved, sh, tmp_path, left_running):
    from running import Running

    port = processes.free_port()
    history = Running(["make", "history", f"PORT={port}"], solved, processes.command_env(tmp_path / "tmp"))
    try:
        assert history.wait_for("Ctrl-C stops it", 60), history.seen
        backfill = page_command("python main.py RangeDaily --of Nightly --start 2026-11-02 --stop 2026-11-09 --now")
        ran = sh(backfill.replace("8083", str(port)), solved / "Production")
        assert ran.returncode == 0, ran.stdout
        broken = page_command("python main.py Nightly --date 2026-11-09 --scheduler-port")
        ran = sh(broken.replace("8083", str(port)), solved / "Production")
        assert ran.returncode == 30, ran.stdout
        url = f"http://127.0.0.1:{port}/history"
        if browser.find() is None:
            message = f"the history page test needs Chromium: {browser.INSTALL}"
            pytest.fail(f"on CI, {message}") if os.environ.get("CI") else pytest.skip(message)
        page = browser.dom(url)
        rows = re.findall(r">(Nightly)</a></td>.*?<td>date</td><td>(\d{4}-\d{2}-\d{2})<", page, re.S)
        assert sorted(date for _, date in rows) == [str(night) for night in [*NIGHTS, BROKEN]], page[-3000:]
        failed = r">CountWords</a></td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>FAILED</td>"
        assert re.search(failed, page), page[-3000:]
        assert (solved / "Production" / "history.db").stat().st_size > 0
        cleaned = sh("make clean", solved)  # while luigid writes to it: the database stays
        assert "kept Production/history.db: make history uses it (pid " in cleaned.stdout, cleaned.stdout
        again = sh(f"make history PORT={processes.free_port()}", solved)
        assert again.returncode != 0 and "make history already runs (pid " in again.stdout, again.stdout
    finally:
        history.signal_group(signal.SIGINT)
        history.finish()
    assert "Stopped luigid." in history.seen and "Traceback" not in "\n".join(history.seen), history.seen
    assert left_running(solved) == []


@pytest.mark.thorough
def test_make_mail_prints_what_it_receives_and_stops_on_ctrl_c(repo, tmp_path, left_running):
    import smtplib

    from running import Running

    port = processes.free_port()
    server = Running(["make", "mail", f"PORT={port}"], repo, processes.command_env(tmp_path / "tmp"))
    try:
        assert server.wait_for("Ctrl-C stops it", 60), server.seen
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("luigi@example.com", ["you@example.com"], "Subject: night failed\n\nCountWords failed\n")
        assert server.wait_for("CountWords failed", 10), server.seen
        assert "Subject: night failed" in server.seen
    finally:
        server.signal_group(signal.SIGINT)
        server.finish()
    assert "Stopped the mail server." in server.seen and "Traceback" not in "\n".join(server.seen), server.seen
    assert left_running(repo) == []


@pytest.mark.thorough
def test_a_taken_port_is_refused_in_a_sentence(repo, sh):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (f"make mail PORT={port}", f"make history PORT={port}"):
            done = sh(command, repo)
            assert done.returncode != 0 and f"port {port} is taken" in done.stdout, done.stdout
            assert "Traceback" not in done.stdout, done.stdout


@pytest.mark.thorough
def test_make_history_ends_when_make_is_killed(repo, tmp_path, left_running):
    from running import Running

    history = Running(["make", "history", f"PORT={processes.free_port()}"], repo, processes.command_env(tmp_path))
    try:
        assert history.wait_for("Ctrl-C stops it", 60), history.seen
        history.process.kill()  # make itself, as kill -9 does: luigid watches its parent
        history.process.wait()
        assert left_running(repo) == []
    finally:
        history.stop()


@pytest.mark.thorough
@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (lambda repo: (repo / "Production" / "history.db").write_text("notes"), "history.db: file is not a database"),
        (lambda repo: shutil.rmtree(repo / "Production"), "the folder Production/ is missing: `git checkout"),
        (lambda repo: (repo / ".luigid-history").write_text(""), "cannot write luigid's files in .luigid-history/"),
    ],
    ids=["not a database", "no chapter folder", "a file where its folder goes"],
)
def test_make_history_that_cannot_keep_its_history_says_why(repo, sh, spoil, said):
    spoil(repo)
    done = sh(f"make history PORT={processes.free_port()}", repo, timeout=60)
    assert done.returncode != 0 and said in done.stdout and "Traceback" not in done.stdout, done.stdout


@pytest.mark.thorough
def test_a_port_held_by_this_repos_luigid_is_named_so(repo, sh):
    port = processes.free_port()
    assert sh(f"make luigid PORT={port}", repo).returncode == 0
    try:
        done = sh(f"make history PORT={port}", repo)
        assert f"port {port} is taken by this repo's `make luigid` (pid " in done.stdout, done.stdout
    finally:
        sh("make luigid-stop", repo)


def test_the_mail_server_shows_no_terminal_escapes(capsys):
    message = mail.email.message_from_string(
        "From: a@example.com\nTo: b@example.com\nSubject: \x1b]0;pwned\x07\n\nbody \x1b[2J cleared\n",
        policy=mail.email.policy.default,
    )
    mail.show(message)
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\x07" not in shown and "body \ufffd[2J cleared" in shown, shown


def test_a_history_path_that_sqlalchemy_would_cut_is_refused(tmp_path):
    from tools.attendee import history

    assert "holds a ? or #" in history.writable(tmp_path / "what?" / "history.db")
