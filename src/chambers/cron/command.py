"""``chambers cron --type NAME`` and ``python -m chambers.cron -type NAME``: one cron pass.

The event's ``response(text)`` output is printed on stdout (the cron log); the summary and any
failures go to stderr.  Exit status: 0 when every session ran (or there was nothing to do),
1 when some session failed, 2 for a usage error.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser, *, docassemble_style: bool = False) -> None:
    names = ("-type", "--type") if docassemble_style else ("--type", "-type")
    parser.add_argument(*names, dest="type", default="cron_daily",
                        help="the event to run (default cron_daily); any event name is allowed")
    parser.add_argument("interviews", nargs="*",
                        help="directories of interview YAML files (default: $CHAMBERS_INTERVIEWS)")
    parser.add_argument("--period", help="the period key to run for (default: the current hour/day/week/month)")
    parser.add_argument("--inline", action="store_true",
                        help="in a cluster, run the sessions in this process instead of on the workers")
    parser.add_argument("--data", help="data directory (as for serve)")


def run(args: argparse.Namespace) -> int:
    from ..config import Settings
    event = args.type
    if not event or any(c.isspace() for c in event):
        print(f"error: {event!r} is not an event name", file=sys.stderr)
        return 2
    settings = Settings()
    dirs = list(args.interviews) or [p for p in os.environ.get("CHAMBERS_INTERVIEWS", "").split(os.pathsep) if p]
    if not dirs:
        print("error: name the directories of interviews (or set CHAMBERS_INTERVIEWS)", file=sys.stderr)
        return 2
    for directory in dirs:
        if not Path(directory).is_dir():
            print(f"error: {directory} is not a directory", file=sys.stderr)
            return 2
    settings.interview_dirs = [Path(d) for d in dirs]
    if args.data:
        settings.data_dir = Path(args.data)

    def output(line: str) -> None:
        print(line, flush=True)

    closers = []
    if settings.cluster:
        from ..background.runtime import build_runtime
        from .build import runner_for_runtime
        runtime = build_runtime(settings, role="worker")
        closers.append(runtime.close)
        runner = runner_for_runtime(runtime, fan_out=not args.inline, output=output)
    else:
        from ..store.tasks import TaskRepository
        from ..wiring import build
        from .build import runner_for
        from .inline_tasks import InlineTaskQueue
        chambers = build(settings)
        closers.append(chambers.db.dispose)
        queue = InlineTaskQueue(TaskRepository(chambers.db), chambers.service)
        chambers.service.tasks = queue
        runner = runner_for(chambers.service, settings, output=output, after_session=queue.drain)
    try:
        report = runner.run_pass(event, args.period)
    finally:
        for close in closers:
            close()
    print(report.summary(), file=sys.stderr)
    return 1 if report.errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chambers.cron", description="Run one cron pass.")
    add_arguments(parser, docassemble_style=True)
    return run(parser.parse_args(argv))
