"""``chambers mail``: receive mail in a cluster; list dead letters; put one back on the queue.

* ``chambers mail [--host H]`` runs the SMTP server (port ``CHAMBERS_SMTP_PORT``) and the delivery
  sweeper for a cluster (needs ``REDIS_URL`` and ``DATABASE_URL``; ``chambers serve`` already does
  this on one machine).
* ``chambers mail dead-letters`` lists messages whose ``incoming_email`` failed every attempt.
* ``chambers mail retry ID`` makes one due again; the running mail server's sweeper sends it to the
  workers within a second or so.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TextIO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address the SMTP server listens on")
    parser.add_argument("--data", help="data directory (as for serve)")
    commands = parser.add_subparsers(dest="mail_command")
    dead = commands.add_parser("dead-letters", help="list e-mail whose incoming_email failed every attempt")
    dead.add_argument("--limit", type=int, default=None)
    dead.add_argument("--data", default=argparse.SUPPRESS, help="data directory (as for serve)")
    retry = commands.add_parser("retry", help="run incoming_email again for a dead letter")
    retry.add_argument("id", type=int)
    retry.add_argument("--data", default=argparse.SUPPRESS, help="data directory (as for serve)")


def run(args: argparse.Namespace, settings) -> int:
    if args.mail_command == "dead-letters":
        return list_dead_letters(_repository(settings), sys.stdout, limit=args.limit)
    if args.mail_command == "retry":
        return retry(_repository(settings), args.id, sys.stdout)
    return serve_mail(settings, host=args.host)


def _repository(settings):
    from ..store.db import Database
    from ..store.mail import MailRepository
    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    return MailRepository(db)


def list_dead_letters(repository, out: TextIO, *, limit: int | None = None) -> int:
    from ..store.mail import DEAD
    messages = repository.in_state(DEAD, limit=limit)
    if not messages:
        out.write("No dead letters.\n")
    for message in messages:
        summary = message.summary
        sender = (summary.get("from") or ["", message.envelope_from])[1] or message.envelope_from
        out.write(f"{message.id}\t{message.received_at:%Y-%m-%d %H:%M:%S} UTC\tsession {message.session_id}\t"
                  f"to {message.envelope_to}\tfrom {sender}\tattempts {message.attempts}\n"
                  f"\tsubject: {json.dumps(summary.get('subject') or '', ensure_ascii=False)}\n"
                  f"\terror: {message.note or '(none recorded)'}\n")
    return 0


def retry(repository, message_id: int, out: TextIO) -> int:
    from ..store.mail import UnknownMessage
    from ..store.timestamps import utcnow
    try:
        requeued = repository.requeue(message_id, utcnow())
    except UnknownMessage as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not requeued:
        state = repository.get(message_id).state
        print(f"error: e-mail {message_id} is {state}, not a dead letter; nothing to retry", file=sys.stderr)
        return 1
    out.write(f"E-mail {message_id} is queued again; the mail server hands it to a worker shortly.\n")
    return 0


def serve_mail(settings, *, host: str) -> int:
    import logging
    import os

    from ..background.runtime import build_runtime
    from .server import start_mail_server
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.redis_url and not os.environ.get("CHAMBERS_BROKER_URL"):
        print("error: chambers mail is for a cluster and needs REDIS_URL and DATABASE_URL; "
              "on one machine, chambers serve already receives mail", file=sys.stderr)
        return 2
    if not settings.smtp_port:
        print("error: CHAMBERS_SMTP_PORT is 0 (no mail server)", file=sys.stderr)
        return 2
    runtime = build_runtime(settings, role="worker")
    server = start_mail_server(runtime, host=host)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        stopped.wait()
    finally:
        if server is not None:
            server.stop()
        runtime.close()
    return 0
