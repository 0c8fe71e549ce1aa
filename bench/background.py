"""Background actions, end to end, on the embedded default and on a cluster.

    .venv/bin/python bench/background.py                     # both modes, 60 runs, 1,000 no-op actions
    .venv/bin/python bench/background.py --mode embedded --runs 100 --noop 2000
    .venv/bin/python bench/background.py --mode cluster      # needs Redis and PostgreSQL on this machine

Three figures per mode:

* submit -> result: an API client answers docassemble's ``background_action.yml`` (``POST
  /api/session``) and then polls ``GET /api/session/question`` every 20 ms until "The answer is
  556." shows; the time from sending the answer to receiving that screen.
* task done -> page told: a browser session (cookie + CSRF token, like the page) holds the push
  stream ``GET /events`` open with httpx and launches a no-op action through a check-in; the time
  from the task's ``finished_at`` in SQL to the push message arriving.
* throughput: 10 sessions each launch 100 no-op actions in one answer, at once; finished actions
  per second, from the first answer sent to the last action finished (read from SQL).

The embedded default is ``chambers serve`` with its own Redis and 2 worker processes (SQLite).
The cluster is ``chambers serve`` + 2 ``chambers worker`` processes (2 processes each) on a
throwaway PostgreSQL database and a Redis database number of its own (tests/background/cluster.py).
Everything, the load generator included, shares this machine's cores.
"""
from __future__ import annotations

import argparse
import json
import queue
import re
import shlex
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.background.api import Api  # noqa: E402
from tests.conftest import DOCASSEMBLE_EXAMPLES, OWN_EXAMPLES  # noqa: E402

POLL_EVERY = 0.020
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

NOOP = """\
question: How many actions?
fields:
  - Count: count
    datatype: integer
---
code: |
  tasks = [background_action('noop') for _ in range(count)]
---
mandatory: True
code: |
  tasks
  launched_screen
---
event: launched_screen
question: Launched ${ len(tasks) }
---
event: noop
code: |
  background_response(None)
"""

PUSH = """\
mandatory: True
code: |
  waiting_screen
---
event: waiting_screen
question: Waiting for news
---
event: launch
code: |
  the_task = background_action('done_at_once')
  background_response()
---
event: done_at_once
code: |
  background_response(1)
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def figures(values: list[float]) -> str:
    return (f"median {1000 * statistics.median(values):6.1f} ms  p90 {1000 * percentile(values, 0.9):6.1f} ms  "
            f"max {1000 * max(values):6.1f} ms  (n={len(values)})")


# The three measurements ---------------------------------------------------------------------------------
def submit_to_result(api: Api, runs: int, warmup: int = 5) -> list[float]:
    times = []
    for run in range(warmup + runs):
        session = api.start("background_action.yml")
        session.question()
        started = time.perf_counter()
        session.answer(value_to_add=3)
        while True:
            polled = time.perf_counter()
            if session.question().get("questionText") == "The answer is 556.":
                break
            time.sleep(max(0.0, polled + POLL_EVERY - time.perf_counter()))
        if run >= warmup:
            times.append(time.perf_counter() - started)
    return times


def push_latency(url: str, tasks, runs: int, warmup: int = 3) -> list[float]:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    page = client.get("/interview?i=push.yml&new=1")
    csrf = CSRF_META.search(page.text).group(1)
    arrivals: queue.Queue = queue.Queue()

    def listen() -> None:
        try:
            with client.stream("GET", "/events?i=push.yml", timeout=None) as stream:
                for line in stream.iter_lines():
                    if line.startswith("data:"):
                        message = json.loads(line[5:])
                        if message.get("state"):
                            arrivals.put((datetime.now(timezone.utc), message["task"]))
        except httpx.HTTPError:
            pass                                           # closed at the end of the measurement

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(0.5)                                        # the stream is open
    delays = []
    for run in range(warmup + runs):
        reply = client.post("/checkin?i=push.yml", json={"action": "launch", "parameters": {}},
                            headers={"X-CSRF-Token": csrf})
        reply.raise_for_status()
        arrived, task_id = arrivals.get(timeout=30)
        if run >= warmup:
            delays.append((arrived - tasks.get(task_id).finished_at).total_seconds())
    client.close()
    return delays


def throughput(api: Api, tasks, sessions: int = 10, each: int = 100) -> tuple[int, float]:
    started_sessions = [api.start("noop.yml") for _ in range(sessions)]
    for session in started_sessions:
        session.question()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(lambda s: s.answer(count=each), started_sessions))
    ids = {s.session_id for s in started_sessions}
    while True:
        done = tasks_finished(tasks, ids)
        if done >= sessions * each:
            break
        time.sleep(0.05)
    return sessions * each, time.perf_counter() - started


def tasks_finished(tasks, session_ids: set[str]) -> int:
    from sqlalchemy import func, select

    from chambers.store.models import TaskRow
    from chambers.store.tasks import FINISHED
    with tasks.db.reading() as session:
        return session.scalar(select(func.count()).select_from(TaskRow).where(
            TaskRow.session_id.in_(session_ids), TaskRow.state.in_(FINISHED)))


# The two modes ------------------------------------------------------------------------------------------
def interview_dirs(tmp: Path) -> list[Path]:
    own = tmp / "interviews"
    own.mkdir()
    (own / "noop.yml").write_text(NOOP)
    (own / "push.yml").write_text(PUSH)
    return [OWN_EXAMPLES, DOCASSEMBLE_EXAMPLES, own]


def measure(label: str, url: str, key: str, database_url: str, args) -> None:
    from chambers.store.db import Database
    from chambers.store.tasks import TaskRepository
    tasks = TaskRepository(Database(database_url))
    api = Api(url, key)
    try:
        times = submit_to_result(api, args.runs)
        print(f"{label:9s} submit -> result (API, polled every 20 ms): {figures(times)}", flush=True)
        delays = push_latency(url, tasks, args.runs)
        print(f"{label:9s} task done -> page told (SSE push):        {figures(delays)}", flush=True)
        count, seconds = throughput(api, tasks, each=args.noop // 10)
        print(f"{label:9s} {count} no-op actions (10 sessions x {count // 10}): {seconds:5.2f} s = "
              f"{count / seconds:6.0f} tasks/s", flush=True)
    finally:
        api.close()
        tasks.db.dispose()


def embedded(args) -> None:
    from tests.live_server import LiveServer
    with tempfile.TemporaryDirectory(prefix="chambers-bench-") as tmp:
        dirs = interview_dirs(Path(tmp))
        server = LiveServer(dirs, Path(tmp) / "data", env={"CHAMBERS_CRON": "0", "CHAMBERS_SMTP_PORT": "0"},
                            workers=args.workers)
        try:
            measure("embedded", server.url, server.api_key(), f"sqlite:///{server.data_dir / 'chambers.db'}", args)
        finally:
            server.stop()


def cluster(args) -> None:
    from tests.background.cluster import Cluster, unavailable
    reason = unavailable()
    if reason:
        print(f"cluster   skipped: {reason}")
        return
    with tempfile.TemporaryDirectory(prefix="chambers-bench-") as tmp:
        running = Cluster(interview_dirs(Path(tmp)), Path(tmp), workers=2, concurrency=args.workers)
        try:
            measure("cluster", running.url, running.server.api_key(), running.database_url, args)
        finally:
            running.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["embedded", "cluster", "both"], default="both")
    parser.add_argument("--runs", type=int, default=60, help="measured runs of each latency (after warm-up)")
    parser.add_argument("--noop", type=int, default=1000, help="no-op actions for the throughput figure")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes: embedded (--workers of serve), and per `chambers worker` in the cluster")
    args = parser.parse_args(argv)
    print(f"$ .venv/bin/python bench/background.py {shlex.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print("targets: submit -> result median <= 25 ms, p90 <= 60 ms, max <= 250 ms; push <= 50 ms")
    if args.mode in ("embedded", "both"):
        embedded(args)
    if args.mode in ("cluster", "both"):
        cluster(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
