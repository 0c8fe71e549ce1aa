"""The ``chambers`` command: serve, worker, check, apikey, ..."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    dirs = getattr(args, "interviews", None) or []
    settings.interview_dirs = [Path(d) for d in dirs]
    if getattr(args, "data", None):
        settings.data_dir = Path(args.data)
    return settings


def cmd_check(args: argparse.Namespace) -> int:
    from .interview.errors import InterviewSourceError
    from .interview.loader import load_file
    failures = 0
    paths: list[Path] = []
    for item in args.files:
        path = Path(item)
        paths.extend(sorted(path.glob("*.yml")) if path.is_dir() else [path])
    for path in paths:
        try:
            interview = load_file(path)
        except InterviewSourceError as exc:
            failures += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        print(f"ok: {path} ({len(interview.blocks)} blocks)")
    return 1 if failures else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve
    settings = _settings(args)
    if not settings.interview_dirs:
        print("error: name at least one directory of interviews: chambers serve DIR", file=sys.stderr)
        return 2
    for directory in settings.interview_dirs:
        if not directory.is_dir():
            print(f"error: {directory} is not a directory", file=sys.stderr)
            return 2
    return serve(settings, host=args.host, port=args.port, workers=args.workers, web_workers=max(1, args.web_workers))


def cmd_worker(args: argparse.Namespace) -> int:
    from .server import work
    return work(_settings(args), concurrency=args.concurrency, loglevel=args.loglevel)


def cmd_apikey(args: argparse.Namespace) -> int:
    from .store.apikeys import ApiKeyRepository
    from .store.db import Database
    settings = _settings(args)
    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    key = ApiKeyRepository(db).create(args.name)
    print(key)
    return 0


def cmd_cron(args: argparse.Namespace) -> int:
    from .cron.command import run
    return run(args)


def cmd_outbox(args: argparse.Namespace) -> int:
    from .mail.outbox import show_outbox
    from .store.db import Database
    from .store.outbox import OutboxRepository
    db = Database(_settings(args).sqlalchemy_url)
    db.upgrade()
    show_outbox(OutboxRepository(db), sys.stdout, limit=args.limit, raw=args.raw, clear=args.clear)
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    from .mail.command import run
    return run(args, _settings(args))


def cmd_user(args: argparse.Namespace) -> int:
    from .users.command import run
    return run(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chambers", description="Run docassemble-format guided interviews.")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check interview files for errors")
    check.add_argument("files", nargs="+", help="interview YAML files or directories")
    check.set_defaults(func=cmd_check)

    serve = sub.add_parser("serve", help="run the web server (embedded Redis and workers unless REDIS_URL is set)")
    serve.add_argument("interviews", nargs="+", help="directories holding interview YAML files")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="embedded background workers (default 2)")
    serve.add_argument("--web-workers", type=int, default=1,
                       help="web server processes (default 1); the embedded Redis and workers stay in the first")
    serve.add_argument("--data", help="directory for the database and keys (default ./var or $CHAMBERS_DATA)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run background workers for a cluster (REDIS_URL, DATABASE_URL)")
    worker.add_argument("interviews", nargs="+", help="directories holding interview YAML files")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--loglevel", default="INFO")
    worker.add_argument("--data", help="data directory (as for serve)")
    worker.set_defaults(func=cmd_worker)

    apikey = sub.add_parser("apikey", help="create an API key and print it")
    apikey.add_argument("name", nargs="?", default="default")
    apikey.add_argument("--data", help="data directory (as for serve)")
    apikey.set_defaults(func=cmd_apikey)

    from .users.command import add_arguments as add_user_arguments
    user = sub.add_parser("user", help="accounts: `user create EMAIL --privilege admin`, `user list`, `user apikey EMAIL`")
    add_user_arguments(user)
    user.set_defaults(func=cmd_user)

    from .cron.command import add_arguments as add_cron_arguments
    cron = sub.add_parser("cron", help="run one pass of a scheduled event (cron_daily, cron_hourly, ...)")
    add_cron_arguments(cron)
    cron.set_defaults(func=cmd_cron)

    outbox = sub.add_parser("outbox", help="print the e-mail kept instead of sent (no SMTP relay configured)")
    outbox.add_argument("--limit", type=int, default=None, help="only the newest N messages")
    outbox.add_argument("--raw", action="store_true", help="print the whole messages, headers and MIME parts")
    outbox.add_argument("--clear", action="store_true", help="delete the messages after printing them")
    outbox.add_argument("--data", help="data directory (as for serve)")
    outbox.set_defaults(func=cmd_outbox)

    from .mail.command import add_arguments as add_mail_arguments
    mail = sub.add_parser("mail", help="receive e-mail in a cluster; `mail dead-letters`, `mail retry ID`")
    add_mail_arguments(mail)
    mail.set_defaults(func=cmd_mail)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    raise SystemExit(main())
