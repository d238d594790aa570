"""Chapter 6's checks before anything runs: what luigi would otherwise fail on
only after a minute, or with a wall of tracebacks, is said at once, with
what to do. main.py calls check(); you need not read this file.

- --pace-seconds that every task would trip over, or no worker at all;
- no luigid where the workers look for it (luigi would try 3 times, 30 s
  apart), something else on its port, or a proxy (http_proxy) in the way.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import luigi
import luigi.cmdline_parser
import luigi.interface
import luigi.task_register


def check(argv):
    with luigi.cmdline_parser.CmdlineParser.global_instance(argv):
        settings = luigi.interface.core()  # the options and luigi.cfg, as luigi reads them
        try:
            seconds = luigi.task_register.Register.get_task_cls("pace")().seconds
        except ValueError as error:  # luigi's own message, then what caused it
            sys.exit(f"error: --pace-seconds: {error.__cause__ or error}")
    if not 0 <= seconds <= 60:
        sys.exit(f"error: --pace-seconds {seconds:g}: give 0 to 60 seconds")
    if settings.workers < 1:
        sys.exit(f"error: --workers {settings.workers}: with no worker, no task would run. Give 1 or more.")
    if not settings.local_scheduler:
        check_scheduler(settings.scheduler_url or f"http://{settings.scheduler_host}:{settings.scheduler_port}/")


def check_scheduler(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        sys.exit(f"error: --scheduler-url {url!r} is not a web address such as http://localhost:8082/")
    proxy = urllib.request.getproxies().get(parts.scheme)  # luigi's calls to luigid go through it too
    if proxy and parts.hostname in ("localhost", "127.0.0.1") and not urllib.request.proxy_bypass(parts.hostname):
        sys.exit(
            f"error: the proxy {proxy} (http_proxy) would carry luigi's calls to the luigid at {url},\n"
            "and it cannot reach this machine's luigid. Add localhost to no_proxy: export no_proxy=localhost,127.0.0.1"
        )
    try:  # ask what only luigid answers: the task list, from its API
        with urllib.request.urlopen(url.rstrip("/") + "/api/task_list", timeout=5) as answer:
            is_luigid = "response" in json.load(answer)
    except (urllib.error.HTTPError, ValueError):
        is_luigid = False
    except OSError:  # urllib.error.URLError too: nothing answers
        sys.exit(
            f"error: no central scheduler answers at {url}\n"
            "Start one with `make luigid`, or add --local-scheduler to run without it."
        )
    if not is_luigid:
        sys.exit(
            f"error: something other than luigid answers at {url}\n"
            "Stop that program, or run luigid on another port (make luigid PORT=8083) and name it: --scheduler-port "
            "8083"
        )
