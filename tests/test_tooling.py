"""The commands around the chapters: make check, reset, clean, run, help, and
the Python version gate. Each runs as a user types it, in a fresh copy of the
repo that is a git checkout of its own (using this test run's venv)."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tools import luigid, reset
from tools.blanks import todos
from tools.chapters import CHAPTERS, ROOT, SOLUTIONS, command_env, find


def solve(repo, chapter):
    shutil.copy(chapter.folder(SOLUTIONS) / "main.py", chapter.folder(repo) / "main.py")


def status(repo):
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True)
    return sorted(listed.stdout.decode().splitlines())


def test_help_lists_the_commands(sh):
    result = sh("make help", ROOT)
    assert result.returncode == 0
    for target in ["setup", "run", "check", "test", "test-all", "clean", "reset", "console"]:
        assert re.search(rf"^  make {target} +\S", result.stdout, re.M), f"make help should list {target}"


def test_check_on_a_fresh_clone_says_nothing_is_done(repo, sh):
    result = sh("make check", repo)
    assert result.returncode != 0
    assert f"0 of {len(CHAPTERS)} chapters done." in result.stdout
    first = CHAPTERS[0]
    todo = todos((first.folder(repo) / "main.py").read_text())[0]
    assert f"next: {first.name}/main.py:{todo.line}: TODO 1: {todo.text}" in result.stdout


def test_check_one_chapter_passes_once_its_blanks_are_filled(repo, sh):
    solve(repo, CHAPTERS[0])
    result = sh(f"make check CHAPTER={CHAPTERS[0].name}", repo)
    assert result.returncode == 0, result.stdout
    assert "1 of 1 chapter done." in result.stdout
    by_number = sh(f"make check CHAPTER={CHAPTERS[0].number}", repo)
    assert by_number.returncode == 0 and "1 of 1 chapter done." in by_number.stdout
    everything = sh("make check", repo)
    assert f"1 of {len(CHAPTERS)} chapters done." in everything.stdout
    assert f"next: {CHAPTERS[1].name}/main.py:" in everything.stdout


def test_check_says_all_done_once_every_blank_is_filled(repo, sh):
    """The chapter folders hold more than the solution folders (each has its page):
    every chapter's checks must pass there too, not only on solutions/."""
    for chapter in CHAPTERS:
        solve(repo, chapter)
    # What attendees' folders hold besides: a file saved with a BOM (some Windows
    # editors), macOS's .DS_Store, notes in output folders, a link to a folder.
    basics = repo / "Basics" / "main.py"
    basics.write_bytes(b"\xef\xbb\xbf" + basics.read_bytes())
    (repo / "WordCount" / "data" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    for folder in ("Visualization/dummy-outputs", "Extensions/output"):
        (repo / folder).mkdir()
        (repo / folder / "notes.txt").write_text("mine\n")
    (repo / "Basics" / "up").symlink_to("..")  # copied as it is, it would copy the repo into itself
    # Files of their own, named like the outputs (which the tests must not take for outputs).
    for own in ("Parameters/hello-notes.txt", "Dependencies/top-notes.file", "WordCount/wordcount-mine.tsv"):
        (repo / own).write_text("mine\n")
    (repo / "WordCount" / "my-count-notes.txt").write_text("mine\n")
    result = sh("make check", repo)
    assert result.returncode == 0, result.stdout
    assert f"{len(CHAPTERS)} of {len(CHAPTERS)} chapters done." in result.stdout


# A blank filled in with a plausible but wrong answer, and what check must say.
WRONG_ANSWERS = {
    "Basics": ('print("Hello World")', 'print("Hello, World")', "should print the line 'Hello World'"),
    "CreateOutput": (
        'greeting.write("Hello World\\n")',
        'greeting.write("Hello World!\\n")',
        "hello_world.txt should contain 'Hello World\\n'",
    ),
    "Parameters": ("default=1,", "default=2,", "times should default to 1"),
}


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c.name in WRONG_ANSWERS], ids=lambda c: c.name)
def test_check_tells_a_wrong_answer_what_was_expected(repo, chapter, sh):
    right, wrong, message = WRONG_ANSWERS[chapter.name]
    solve(repo, chapter)
    main = chapter.folder(repo) / "main.py"
    assert right in main.read_text()
    main.write_text(main.read_text().replace(right, wrong))
    result = sh(f"make check CHAPTER={chapter.name}", repo)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout


def test_check_never_writes_into_the_chapter_folders(repo, sh):
    solve(repo, CHAPTERS[0])
    before = status(repo)
    assert sh("make check", repo).returncode != 0
    assert status(repo) == before
    assert not list(repo.glob("*/__pycache__")), "check must not leave bytecode in the chapter folders"


def test_check_of_an_unknown_chapter_is_a_clear_error(repo, sh):
    result = sh("make check CHAPTER=Nope", repo)
    assert result.returncode != 0
    assert "there is no chapter 'Nope'. The chapters are: Basics" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_chapter_is_found_however_it_is_typed(repo, sh):
    basics = CHAPTERS[0]
    for typed in ("Basics", "basics", "BASICS", "1", " Basics", "Basics/"):  # Basics/: the shell's completion
        assert find(typed) is basics, typed
    one = sh("make check CHAPTER=Basics/", repo)
    assert one.stdout.splitlines()[2].split()[:2] == ["1", "Basics"] and "0 of 1 chapter done." in one.stdout
    every = sh("make check CHAPTER=all", repo)  # as make reset CHAPTER=all
    assert f"0 of {len(CHAPTERS)} chapters done." in every.stdout, every.stdout
    for command in ("check", "hint", "reset"):  # two words, or a * that the shell would expand: one error line
        for typed in ("Basics Parameters", "*"):
            wrong = sh(f"make {command} CHAPTER='{typed}'", repo)
            assert wrong.returncode != 0 and "usage:" not in wrong.stdout, wrong.stdout
            assert f"there is no chapter '{typed}'" in wrong.stdout, wrong.stdout


def test_reset_saves_the_attendees_version_every_time(repo, sh):
    chapter = CHAPTERS[0]
    main = chapter.folder(repo) / "main.py"
    blank = main.read_text()
    for attempt in ["first try\n", "second try\n"]:
        main.write_text(attempt)
        result = sh(f"make reset CHAPTER={chapter.name}", repo)
        assert result.returncode == 0, result.stdout
        assert main.read_text() == blank
    saved = sorted(chapter.folder(repo).glob("main.py.saved-*"))
    assert sorted(p.read_text() for p in saved) == ["first try\n", "second try\n"]
    assert all(re.fullmatch(r"main\.py\.saved-\d{4}-\d\d-\d\d-\d{6}(-\d+)?", p.name) for p in saved)
    assert "already blank" in sh(f"make reset CHAPTER={chapter.name}", repo).stdout


def commit(repo, sh, message):
    git = "git -c user.name=attendee -c user.email=attendee@example.invalid"
    assert sh(f"git add -A && {git} commit -qm '{message}'", repo).returncode == 0


def test_reset_brings_back_the_published_blanks_whatever_was_committed(repo, sh):
    chapter = CHAPTERS[0]
    main = chapter.folder(repo) / "main.py"
    blank = main.read_bytes()
    solve(repo, chapter)
    commit(repo, sh, "my answers")
    result = sh(f"make reset CHAPTER={chapter.name}", repo)
    assert "already blank" not in result.stdout and "is back to its blanks" in result.stdout, result.stdout
    assert main.read_bytes() == blank
    [saved] = chapter.folder(repo).glob("main.py.saved-*")
    assert saved.read_bytes() == (chapter.folder(SOLUTIONS) / "main.py").read_bytes()
    main.write_text(main.read_text() + "# one more edit\n")
    sh(f"make reset CHAPTER={chapter.name}", repo)
    assert main.read_bytes() == blank, "reset never restores the answers that were committed"


def test_reset_never_writes_through_a_link(repo, sh, tmp_path):
    mine = tmp_path / "elsewhere" / "mywork.py"
    mine.parent.mkdir()
    mine.write_text("my work, outside the repo\n")
    main = repo / "Basics" / "main.py"
    blank = main.read_text()
    main.unlink()
    main.symlink_to(mine)
    result = sh("make reset CHAPTER=Basics", repo)
    assert result.returncode == 0, result.stdout
    assert mine.read_text() == "my work, outside the repo\n", "reset must not write into the file a link points to"
    assert not main.is_symlink() and main.read_text() == blank


def test_a_venv_setting_never_removes_a_folder_that_is_no_venv(repo, sh, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("my code\n")
    result = sh(f"make check CHAPTER=Basics VENV={project}", repo)
    assert result.returncode != 0
    assert f"{project} is not a virtual environment" in result.stdout, result.stdout
    assert (project / "app.py").read_text() == "my code\n"


def test_a_venv_that_this_user_cannot_change_is_named_with_its_fix(repo, sh, tmp_path, immutable):
    """sudo make setup, then make check as the attendee: root's venv can be
    neither mended nor replaced (rm would fail on each of its thousands of files)."""
    venv = tmp_path / "roots-venv"
    assert sh(f"{sys.executable} -m venv --without-pip {venv}", repo).returncode == 0
    immutable(venv / "bin")  # what root's folder is to the attendee: not writable
    result = sh(f"make check CHAPTER=Basics VENV={venv}", repo)
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if not line.startswith("make")]
    assert lines == [
        f"error: {venv} belongs to root (made with sudo make setup?), and this user cannot change it.",
        f"Remove it, then set it up again as yourself: sudo rm -rf {venv} && make setup",
    ], result.stdout
    assert (venv / "pyvenv.cfg").exists()


def test_reset_saves_a_crlf_file_byte_for_byte(repo, sh):
    chapter = CHAPTERS[1]
    main = chapter.folder(repo) / "main.py"
    blank = main.read_bytes()
    mine = (chapter.folder(SOLUTIONS) / "main.py").read_bytes().replace(b"\n", b"\r\n")
    main.write_bytes(mine)
    assert sh(f"make reset CHAPTER={chapter.name}", repo).returncode == 0
    [saved] = chapter.folder(repo).glob("main.py.saved-*")
    assert saved.read_bytes() == mine
    assert main.read_bytes() == blank
    main.write_bytes(blank.replace(b"\n", b"\r\n"))  # as a checkout with core.autocrlf writes it
    assert "already blank: nothing to do" in sh(f"make reset CHAPTER={chapter.name}", repo).stdout


def test_reset_works_without_git(repo, sh):
    blanks = {c.name: (c.folder(repo) / "main.py").read_bytes() for c in CHAPTERS}
    shutil.rmtree(repo / ".git")
    solve(repo, CHAPTERS[2])
    (CHAPTERS[3].folder(repo) / "main.py").unlink()  # deleted by mistake
    result = sh("make reset CHAPTER=all", repo)
    assert result.returncode == 0, result.stdout
    assert {c.name: (c.folder(repo) / "main.py").read_bytes() for c in CHAPTERS} == blanks
    assert result.stdout.count("already blank: nothing to do") == len(CHAPTERS) - 2
    assert len(list(repo.glob("*/main.py.saved-*"))) == 1


def test_reset_that_cannot_write_says_so_and_loses_nothing(repo, sh, immutable):
    main = repo / "Basics" / "main.py"
    mine = main.read_text().replace("# TODO 1", "print('mine')  # TODO 1")
    main.write_text(mine)
    immutable(repo / "Basics")  # no new file in it: the save fails, so nothing changes
    result = sh("make reset CHAPTER=Basics", repo)
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout
    assert (
        "error: cannot save your version of Basics/main.py beside it: Operation not permitted. Nothing was changed."
        in result.stdout
    ), result.stdout
    assert main.read_text() == mine and not list(main.parent.glob("main.py.saved-*"))


def test_reset_that_cannot_write_main_py_keeps_the_saved_version(repo, sh, immutable):
    main = repo / "Basics" / "main.py"
    mine = main.read_text().replace("# TODO 1", "print('mine')  # TODO 1")
    main.write_text(mine)
    immutable(main)
    result = sh("make reset CHAPTER=Basics", repo)
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout
    assert "error: cannot write Basics/main.py: Operation not permitted (your version is saved beside it)." in (
        result.stdout
    ), result.stdout
    [saved] = main.parent.glob("main.py.saved-*")
    assert saved.read_text() == mine and main.read_text() == mine


def test_a_save_that_a_full_disk_cuts_short_is_removed(tmp_path):
    """On a full disk the save fails only when the file is closed: it left an
    empty main.py.saved-* while saying that nothing was changed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        message = f"mounting a small tmpfs needs root: {mounted.stderr.decode().strip()}"
        if os.environ.get("CI"):
            pytest.fail(f"on CI, {message}")
        pytest.skip(message)
    try:
        main = disk / "main.py"
        main.write_text("print('mine')\n")
        with contextlib.suppress(OSError), open(disk / "filler", "wb") as filler:
            while True:
                filler.write(b"x" * 4096)
                filler.flush()
        with pytest.raises(SystemExit, match="No space left on device. Nothing was changed."):
            reset.save(b"x" * 4000, main, "Basics/main.py")  # small: it fails only when the file is closed
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "main.py"], "no save is left behind"
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_reset_all_puts_every_chapter_back(repo, sh):
    blanks = {c.name: (c.folder(repo) / "main.py").read_text() for c in CHAPTERS}
    first_hints = f"make hint CHAPTER={CHAPTERS[0].name}"
    assert "Hint 2 of 3" in sh(f"{first_hints} && {first_hints}", repo).stdout
    for chapter in CHAPTERS:
        solve(repo, chapter)
    result = sh("make reset CHAPTER=all", repo)
    assert result.returncode == 0, result.stdout
    assert {c.name: (c.folder(repo) / "main.py").read_text() for c in CHAPTERS} == blanks
    assert len(list(repo.glob("*/main.py.saved-*"))) == len(CHAPTERS)
    # Between two sessions: the next person's first hint is level 1 again.
    assert f"Hint 1 of 3 for {CHAPTERS[0].name}/main.py" in sh(f"make hint CHAPTER={CHAPTERS[0].name}", repo).stdout


@pytest.mark.parametrize(
    ("args", "message"), [("", "usage: make reset CHAPTER=<Name>"), ("CHAPTER=Nope", "there is no chapter 'Nope'")]
)
def test_reset_without_a_known_chapter_is_a_clear_error(repo, args, message, sh):
    result = sh(f"make reset {args}", repo)
    assert result.returncode != 0
    assert message in result.stdout and "Traceback" not in result.stdout


def test_commands_run_from_the_root_leave_git_clean_and_clean_keeps_edits(repo, sh, tmp_path):
    """Every blank filled in, and each chapter's command run from the repo root
    by mistake: a chapter writes into the root (one that reads data/ fails
    there, as it should), and git status still shows only the edits. (Run in
    their own folders, the commands leave git clean too: test_clean.py.)"""
    for chapter in CHAPTERS:
        solve(repo, chapter)
        with luigid.of_its_own(chapter, tmp_path) as config:
            sh(chapter.command.replace("main.py", f"solutions/{chapter.name}/main.py"), repo, config)
    assert (repo / "hello_world.txt").exists(), "CreateOutput run from the root writes there"
    edits = {f" M {c.name}/main.py" for c in CHAPTERS}
    assert set(status(repo)) == edits, "outputs of documented commands must be git-ignored"

    notes = repo / CHAPTERS[0].name / "my-notes.md"
    notes.write_text("mine\n")
    own = repo / "myproject" / "output" / "data.csv"  # named like a chapter's output folder
    own.parent.mkdir(parents=True)
    own.write_text("mine too\n")
    # A venv holds names that .gitignore ignores elsewhere: they must survive too.
    for name in ["bin/python", "lib/__pycache__/x.pyc", "lib/output"]:
        (repo / ".venv-keep" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / ".venv-keep" / name).write_text("part of a virtual environment\n")
    assert sh("make clean", repo).returncode == 0
    assert set(status(repo)) == edits | {f"?? {CHAPTERS[0].name}/my-notes.md", "?? myproject/output/data.csv"}, (
        "make clean keeps every edit and every file of the attendee's own"
    )
    ignored = [
        line[3:] for line in sh("git status --porcelain --ignored", repo).stdout.splitlines() if line[:2] == "!!"
    ]
    folders = [f"{tree}{c.name}/" for c in CHAPTERS for tree in ["", "solutions/"]]
    assert [name for name in ignored if name.startswith(tuple(folders))] == [], "no output is left in a chapter folder"
    assert ".venv-keep/" in ignored and (repo / ".venv-keep/lib/output").exists()
    assert len(list((repo / ".venv-keep").rglob("*.*"))) == 1


@pytest.mark.parametrize(
    ("quick", "flag"), [("1", "--quick"), ("yes", "--quick"), ("0", ""), ("no", ""), ("", ""), ("2", None)]
)
def test_quick_means_what_it_says(repo, sh, quick, flag):
    result = sh(f"make -n run QUICK={quick}", repo)  # -n: what make would run
    if flag is None:
        assert result.returncode != 0
        assert f"QUICK={quick} means nothing here: QUICK=1 is a quick rehearsal, QUICK=0 the real pace" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert result.stdout.splitlines()[-1].split("tools.run_all")[1].strip() == flag, result.stdout


def test_run_twice_in_a_row_on_the_luigid_of_make_luigid(repo, sh):
    """make run runs every solution. The instructor rehearses, then presents, on
    one luigid: the second run comes within luigid's cool-down of the first,
    with none of its outputs (on a loaded machine, it may come later: the run
    then has nothing to wait for). Quick runs, so that it usually does; make
    run at its real pace, with a luigid of its own: test_laptops.py."""
    port = luigid.free_port()
    try:
        result = sh(f"make luigid PORT={port} && make run QUICK=1 && make run QUICK=1", repo)
    finally:
        luigid.stop(repo / ".luigid")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(f"{len(CHAPTERS)} of {len(CHAPTERS)} chapters ran successfully") == 2
    for chapter in CHAPTERS:
        assert result.stdout.count(f"===== Chapter {chapter.number}: {chapter.name} =====") == 2
    assert status(repo) == [], "make run works in a scratch folder, not in the repo"
    second = result.stdout.split("===== Chapter 6: Visualization =====")[2]
    assert "the luigid of `make luigid`" in second
    assert "(quick, with these settings: [pace] seconds = 0.04)" in second
    assert "not granted run permission" not in second
    assert re.search(r"Scheduled (\d+) tasks of which:\n\* \1 ran successfully", second), second


def test_a_run_stopped_in_chapter_6_leaves_nothing_running_and_the_next_one_waits(
    repo, sh, tmp_path, processes_mentioning
):
    """Ctrl-C while chapter 6 runs on the luigid of make luigid: its processes
    all stop, quietly; the tasks they ran stay RUNNING on luigid until it gives
    up on their worker, and the next make run waits for that (here 5 s, in
    the luigi.cfg that luigid reads, instead of 60) rather than fail."""
    config = repo / "luigi.cfg"
    config.write_text(config.read_text() + "\n[scheduler]\nworker_disconnect_delay = 5\n")
    port = luigid.free_port()
    try:
        assert sh(f"make luigid PORT={port}", repo).returncode == 0
        scheduler = luigid.running(repo / ".luigid")
        run = subprocess.Popen(
            ["make", "run"], cwd=repo, env=command_env(tmp_path / "tmp"), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not scheduler.api("task_list", status="RUNNING", upstream_status="", search=""):
            assert time.monotonic() < deadline and run.poll() is None, "chapter 6 should have started"
            time.sleep(0.2)
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: to make and make run, not to the chapter's own processes
        stopped = run.communicate(timeout=60)[0]
        assert "Stopped: every luigid that make run started is stopped." in stopped, stopped
        assert "Traceback" not in stopped, stopped
        left = [command for command in processes_mentioning(str(tmp_path)) if "main.py" in command]
        assert left == [], "the chapter's processes should all be stopped"

        again = sh("make run QUICK=1", repo)
    finally:
        luigid.stop(repo / ".luigid")
    assert again.returncode == 0, again.stdout
    assert re.search(r"\(waiting: luigid lists \d+ tasks as running, most likely left by a stopped run", again.stdout)
    assert f"{len(CHAPTERS)} of {len(CHAPTERS)} chapters ran successfully" in again.stdout


SECOND_STOP = """
import os, signal, sys, time
from tools.chapters import stopping_as_on_ctrl_c
cleaned = []
with stopping_as_on_ctrl_c():
    try:
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # the first stop
            time.sleep(5)
        finally:  # the cleaning up: make passes the SIGTERM on, the attendee presses Ctrl-C
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
            cleaned.append("all of it")
    except KeyboardInterrupt:
        print("stopped once, cleaned up", *cleaned)
"""


def test_a_second_stop_does_not_cut_the_cleaning_up_short(sh):
    """The tools take SIGINT, SIGTERM and SIGHUP for one Ctrl-C: a second one,
    while the first one's cleaning up runs, must not interrupt it, or the
    processes it was stopping run on (make watch left its check running)."""
    result = subprocess.run([sys.executable, "-c", SECOND_STOP], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.stdout == "stopped once, cleaned up all of it\n", result.stdout + result.stderr


ELSEWHERE = """
import signal, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from tools.chapters import stopping_as_on_ctrl_c, wait_awake
from tools.check import in_turn
from tools.watch import lines_of

endless = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.PIPE, text=True)
pool = ThreadPoolExecutor(1)
waits = {
    "make check": lambda: list(in_turn([pool.submit(endless.wait)])),
    "make run": lambda: wait_awake(endless),
    "make watch": lambda: list(lines_of(endless)),
}
other = threading.Thread(target=time.sleep, args=(60,), daemon=True)
other.start()
threading.Timer(0.5, signal.pthread_kill, (other.ident, signal.SIGTERM)).start()
start = time.monotonic()
with stopping_as_on_ctrl_c():
    try:
        waits[sys.argv[1]]()
    except KeyboardInterrupt:
        print(f"stopped after {time.monotonic() - start:.1f} s")
endless.kill()
pool.shutdown()
"""


@pytest.mark.parametrize("tool", ["make check", "make run", "make watch"])
def test_a_stop_that_another_thread_takes_still_stops_the_wait(tool):
    """The tools wait for their processes in short steps: a signal that the
    system hands to another thread (or that comes just as a wait begins) is
    seen by the main thread only once its wait ends, which, for an attendee's
    endless loop, was the whole time limit (make check then did not stop)."""
    result = subprocess.run(
        [sys.executable, "-c", ELSEWHERE, tool], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    stopped = re.fullmatch(r"stopped after (\d+\.\d) s\n", result.stdout)
    assert stopped, result.stdout + result.stderr
    assert float(stopped.group(1)) < 5, f"{tool} should see the stop within a few tenths of a second"


def test_a_run_stopped_while_its_luigid_starts_stops_that_luigid(repo, tmp_path, processes_mentioning):
    """Ctrl-C right after the chapter 6 banner, while make run waits for the
    luigid it started to answer: that luigid ran on (10 of 10 tries)."""
    run = subprocess.Popen(
        ["make", "run", "QUICK=1"], cwd=repo, env=command_env(tmp_path / "tmp"), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    banner = f"===== Chapter {luigid_chapter().number}: {luigid_chapter().name} ====="
    seen = []
    for line in run.stdout:
        seen.append(line)
        if line.strip() == banner:
            deadline = time.monotonic() + 30
            while not [c for c in processes_mentioning(str(tmp_path)) if "bin/luigid" in c]:
                assert time.monotonic() < deadline, "make run should start a luigid for chapter 6"
                time.sleep(0.02)
            os.killpg(run.pid, signal.SIGINT)  # luigid started, and most likely not answering yet
            break
    seen += run.communicate(timeout=60)[0]
    assert banner in "".join(seen), "".join(seen)
    assert "Stopped: every luigid that make run started is stopped." in "".join(seen)
    deadline = time.monotonic() + 10
    while (left := [c for c in processes_mentioning(str(tmp_path)) if "luigid" in c]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], "the luigid that make run was starting should be stopped"


def test_a_ctrl_c_while_make_luigid_starts_stops_its_luigid(repo, tmp_path, processes_mentioning):
    started = subprocess.Popen(
        ["make", "luigid", f"PORT={luigid.free_port()}"], cwd=repo, env=command_env(tmp_path / "tmp"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not [c for c in processes_mentioning(str(repo)) if "bin/luigid" in c]:
            assert time.monotonic() < deadline and started.poll() is None, started.stdout.read()
            time.sleep(0.01)
        os.killpg(started.pid, signal.SIGINT)  # luigid started, and most likely not answering yet
        output = started.communicate(timeout=60)[0]
        left = [c for c in processes_mentioning(str(repo)) if "bin/luigid" in c]
    finally:
        luigid.stop(repo / ".luigid")
    assert "Traceback" not in output, output
    if "is running in the background" not in output:  # else it answered first: started, as asked
        assert "Stopped." in output, output
        assert left == [], "the luigid it was starting should be stopped"


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("raise KeyboardInterrupt  # a Ctrl-C while Python imports a tool", "\nStopped.\n"),
        ('for _ in range(100_000): print("a line")  # into `| head -1`', ""),
    ],
    ids=["ctrl-c", "broken-pipe"],
)
def test_what_a_tool_does_not_catch_is_said_in_plain_words(code, said):
    result = subprocess.run(
        f"{sys.executable} -c 'import tools\n{code}' | head -1", shell=True, cwd=ROOT, capture_output=True, text=True
    )
    assert result.stderr == said, result.stderr


def luigid_chapter():
    return next(chapter for chapter in CHAPTERS if chapter.needs_luigid)


def fake_python(folder, version):
    """An interpreter that says it is `version`: enough for the version gate."""
    path = folder / f"python{version}"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("version", ["3.9", "3.14"])
def test_setup_refuses_an_unsupported_python_in_one_line(tmp_path, version, sh):
    python = fake_python(tmp_path, version)
    result = sh(f"make setup VENV={tmp_path}/venv PYTHON={python}", ROOT)
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "needs Python 3.10, 3.11, 3.12 or 3.13" in errors[0], result.stdout
    assert f"={version}" in errors[0]
    assert not (tmp_path / "venv").exists()


def test_the_first_supported_python_is_picked(tmp_path, sh):
    result = sh(f"tools/pick-python {fake_python(tmp_path, '3.14')} python3", ROOT)
    assert result.returncode == 0
    version = sh(f"{result.stdout.strip()} -c 'import sys; print(sys.version_info[:2])'", ROOT).stdout
    assert version.strip() in {"(3, 10)", "(3, 11)", "(3, 12)", "(3, 13)"}


def test_the_visualization_folder_hands_luigid_over_to_the_repo(repo, sh):
    port = luigid.free_port()
    started = sh(f"make luigid PORT={port}", repo / "Visualization")
    try:
        assert started.returncode == 0, started.stdout
        assert f"Open http://localhost:{port}/" in started.stdout
        assert luigid.running(repo / ".luigid") is not None, "the luigid of the repo, in its .luigid/ folder"
    finally:
        stopped = sh("make luigid-stop", repo / "solutions" / "Visualization")
    assert stopped.returncode == 0 and "Stopped luigid" in stopped.stdout, stopped.stdout
    assert luigid.running(repo / ".luigid") is None


def test_console_is_ipython_with_luigi_in_a_scratch_folder(repo, sh):
    typed = 'import os; print("in", os.path.basename(os.getcwd()), "with", luigi.LocalTarget("x.txt").path)'
    result = sh(f"printf '%s\\nexit\\n' '{typed}' | make console", repo)
    assert result.returncode == 0, result.stdout
    assert "luigi 3.8" in result.stdout and "is imported" in result.stdout
    assert "in .console with x.txt" in result.stdout
    assert status(repo) == [], "the scratch folder is git-ignored"
