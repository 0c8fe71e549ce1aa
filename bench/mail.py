"""Incoming mail against a real ``chambers serve`` on the embedded default: intake rate and latency.

    .venv/bin/python bench/mail.py                      # 2000 messages from 8 connections, then 60 one at a time
    .venv/bin/python bench/mail.py --messages 500 --latency-messages 20   # quicker

* Accepted: ``--messages`` messages sent with ``smtplib`` over ``--connections`` SMTP connections
  at once (each keeps its connection and sends its share back to back) to ``--sessions``
  sessions of email-to-case.yml (multi_user, with ``incoming_email``), so the workers process
  the mail while it is still arriving.  Each 250 means the message was committed.  Messages/s
  is the count over the time from the first MAIL FROM to the last 250.
* Latency: ``--latency-messages`` messages sent one at a time, each waited for; arrival (the
  server's ``received_at``) to ``incoming_email`` done, the callback's save included (the
  server's ``finished_at``), both read from the database.
* Then every message's state is checked: all must be ``done``.
"""
from __future__ import annotations

import argparse
import re
import smtplib
import sqlite3
import statistics
import sys
import threading
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Server, cpu_note, percentile, rerun_line  # noqa: E402
from tests.live_server import free_port  # noqa: E402

INTERVIEW = "email-to-case.yml"
DOMAIN = "bench.test"
TARGETS = {"accepted_per_s": 200.0, "latency_median_ms": 50.0}


def mail(to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Bench <bench@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate()
    message.set_content("A message from bench/mail.py.\n" * 5)
    return message.as_bytes()


def new_sessions(server: Server, count: int, interview: str = INTERVIEW) -> list[str]:
    client = httpx.Client(base_url=server.url, timeout=30, params={"key": server.api_key()})
    addresses = []
    for _ in range(count):
        new = client.get("/api/session/new", params={"i": interview}).json()
        ref = {"i": interview, "session": new["session"], "secret": new["secret"]}
        question = client.post("/api/session", json={**ref, "variables": {"intro_seen": True}}).json()
        found = re.search(r"\b[a-z]{6}@" + re.escape(DOMAIN), question["subquestionText"])
        addresses.append(found.group(0))
    return addresses


def send_share(port: int, jobs: list[tuple[str, bytes]], done: list[int]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        for to, raw in jobs:
            client.sendmail("bench@example.com", [to], raw)
            done.append(1)


def accepted_rate(port: int, addresses: list[str], messages: int, connections: int) -> float:
    jobs = [(addresses[n % len(addresses)], mail(addresses[n % len(addresses)], f"flood {n}")) for n in range(messages)]
    done: list[int] = []
    threads = [threading.Thread(target=send_share, args=(port, jobs[k::connections], done)) for k in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if len(done) != messages:
        raise SystemExit(f"only {len(done)} of {messages} messages were accepted")
    return messages / elapsed


def database(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(server.data_dir / "chambers.db", timeout=60)


def wait_all_done(server: Server, total: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    with database(server) as db:
        while True:
            counts = dict(db.execute("SELECT state, count(*) FROM mail_messages GROUP BY state").fetchall())
            if counts.get("done", 0) >= total or time.monotonic() > deadline:
                return counts
            time.sleep(0.2)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def latencies(server: Server, address: str, count: int) -> tuple[list[float], list[float]]:
    """Arrival → done for each message, and arrival → a worker took it (its claim)."""
    values, waits = [], []
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60) as client, database(server) as db:
        for n in range(count):
            client.sendmail("bench@example.com", [address], mail(address, f"latency {n}"))
            (message_id,) = db.execute("SELECT max(id) FROM mail_messages").fetchone()
            deadline = time.monotonic() + 30
            while True:
                row = db.execute("SELECT state, received_at, finished_at, heartbeat_at FROM mail_messages "
                                 "WHERE id = ?", (message_id,)).fetchone()
                if row[0] == "done":
                    values.append((_moment(row[2]) - _moment(row[1])).total_seconds())
                    waits.append((_moment(row[3]) - _moment(row[1])).total_seconds())
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"message {message_id} was not processed in 30 s (state {row[0]})")
                time.sleep(0.002)
            time.sleep(0.05)   # idle between messages: each one meets a quiet server
    return values, waits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--latency-messages", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="embedded background worker processes")
    args = parser.parse_args(argv)
    rerun_line("mail.py", argv if argv is not None else sys.argv[1:])
    print(f"# {cpu_note()}; {args.workers} worker process(es); SQLite (synchronous=FULL)")
    smtp_port = free_port()
    env = {"CHAMBERS_SMTP_PORT": str(smtp_port), "CHAMBERS_MAIL_DOMAIN": DOMAIN}
    with Server(workers=args.workers, env=env) as server:
        server.smtp_port = smtp_port
        addresses = new_sessions(server, args.sessions + 1)
        latency_address, addresses = addresses[0], addresses[1:]
        started = time.perf_counter()
        rate = accepted_rate(smtp_port, addresses, args.messages, args.connections)
        print(f"accepted: {rate:8.1f} messages/s  ({args.messages} messages, {args.connections} connections, "
              f"{args.sessions} sessions; target >= {TARGETS['accepted_per_s']:.0f})")
        counts = wait_all_done(server, args.messages, timeout=600)
        drained = time.perf_counter() - started
        print(f"processed: {counts} — incoming_email ran for all of them within {drained:.1f} s of the first "
              f"({args.messages / drained:.0f} messages/s)")
        values, waits = latencies(server, latency_address, args.latency_messages)
        median_ms = 1000 * statistics.median(values)
        print(f"arrival -> incoming_email done: median {median_ms:6.1f} ms   p90 {1000 * percentile(values, 0.9):6.1f} ms"
              f"  ({len(values)} messages one at a time; target median <= {TARGETS['latency_median_ms']:.0f} ms)")
        print(f"   of which arrival -> taken by a worker: median {1000 * statistics.median(waits):6.1f} ms")
        counts = wait_all_done(server, args.messages + args.latency_messages, timeout=60)
        lost = args.messages + args.latency_messages - counts.get("done", 0)
        print(f"all {args.messages + args.latency_messages} messages done: {'yes' if not lost else f'NO ({counts})'}")
    ok = rate >= TARGETS["accepted_per_s"] and median_ms <= TARGETS["latency_median_ms"] and not lost
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
