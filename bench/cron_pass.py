"""How long a ``cron_daily`` pass takes, and how that grows with the number of stored sessions.

    .venv/bin/python bench/cron_pass.py                      # 100,000 sessions, 1,000 with a due event
    .venv/bin/python bench/cron_pass.py --growth             # also 10k and 1M stored sessions
    .venv/bin/python bench/cron_pass.py --sessions 50000 --due 500

Runs on the embedded default (SQLite in a temporary data directory, in-process pass).  The due
sessions are real sessions of a 20-day reminder interview whose filing date is 30 days back, so
every one of them sends an e-mail (to the outbox) and saves: the heavy case.  The other sessions
are stored sessions of an interview without cron events.  The store is filled by copying one real
session of each kind row for row (as saving them would), since building a million sessions
through the interview would take far longer than the pass being measured.
"""
from __future__ import annotations

import argparse
import datetime
import secrets
import string
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

REMINDER = """\
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
question: When did you file?
fields:
  - Filed: date_filed
    datatype: date
---
question: Your e-mail address?
fields:
  - E-mail: address
    datatype: email
---
mandatory: True
question: A reminder goes to ${ address } 20 days after ${ format_date(date_filed) }.
buttons:
  - Leave: leave
---
template: reminder
subject: 20 days have passed
content: |
  Time to prepare the next paper.
---
event: cron_daily
code: |
  if task_not_yet_performed('reminder') and date_difference(starting=date_filed).days > 20:
    send_email(to=address, template=reminder, task='reminder')
  response()
"""

PLAIN = """\
question: What is your name?
fields:
  - Name: name
---
mandatory: True
question: Thank you, ${ name }.
"""

ALPHABET = string.ascii_letters + string.digits


def _id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(32))


def build_store(root: Path, total: int, due: int):
    from chambers.config import Settings
    from chambers.interview.context import Identity
    from chambers.sessions import SessionRef
    from chambers.store import cron_index
    from chambers.store.models import CronEventRow, InterviewSessionRow, SessionStepRow
    from chambers.wiring import build

    interviews = root / "interviews"
    interviews.mkdir(parents=True)
    (interviews / "reminder.yml").write_text(REMINDER)
    (interviews / "plain.yml").write_text(PLAIN)
    settings = Settings(interview_dirs=[interviews], data_dir=root / "data", database_url=None, redis_url=None,
                        secret_key="bench")
    chambers = build(settings)
    service = chambers.service
    user = Identity(session_uid="bench")
    filed = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()

    def sample(name: str, values: dict[str, str]):
        result = service.start(name, user)
        ref = SessionRef(result.session_id, result.secret)
        while result.screen is not None and result.screen.fields:
            form = {f.variable: values[f.variable] for f in result.screen.fields if f.variable}
            result = service.answer(ref, user, result.screen.block_name, form)
        return service.sessions.load(ref.session_id)

    due_sample = sample("reminder.yml", {"date_filed": filed, "address": "someone@example.com"})
    plain_sample = sample("plain.yml", {"name": "Pat"})
    service.sessions.delete_many([due_sample.id, plain_sample.id])

    now = datetime.datetime.now(datetime.timezone.utc)
    chunk = 20_000
    spacing = max(1, total // due) if due else 1
    made = 0
    while made < total:
        rows, steps, events = [], [], []
        for number in range(made, min(total, made + chunk)):
            is_due = due > 0 and number % spacing == 0 and number // spacing < due
            record = due_sample if is_due else plain_sample
            session_id = _id()
            modified = now - datetime.timedelta(minutes=number % (60 * 24 * 60))   # within the last 60 days
            rows.append(dict(id=session_id, interview=record.interview, owner_id=None, encrypted=False, version=2,
                             steps=1, created_at=modified, modified_at=modified,
                             allow_cron=record.index.allow_cron, multi_user=record.index.multi_user,
                             events=cron_index.event_text(record.index.events), secret_check=record.secret_check))
            steps.append(dict(session_id=session_id, step=1, data=record.data, created_at=modified))
            if is_due:
                events.extend(dict(event=e, session_id=session_id) for e in sorted(record.index.events))
        with chambers.db.transaction() as session:
            session.execute(insert(InterviewSessionRow), rows)
            session.execute(insert(SessionStepRow), steps)
            if events:
                session.execute(insert(CronEventRow), events)
        made += len(rows)
    return chambers, settings


def measure(total: int, due: int, *, keep: Path | None = None) -> dict[str, float]:
    from chambers.cron.build import runner_for
    from chambers.store.outbox import OutboxRepository

    with tempfile.TemporaryDirectory(prefix="chambers-cron-bench-", dir=keep) as tmp:
        started = time.perf_counter()
        chambers, settings = build_store(Path(tmp), total, due)
        setup = time.perf_counter() - started
        candidates = 0
        after = None
        while True:
            page = chambers.service.sessions.cron_candidates("cron_daily", batch_size=1000, after_id=after)
            if not page:
                break
            candidates += len(page)
            after = page[-1]
        runner = runner_for(chambers.service, settings, output=lambda line: None)
        started, cpu_started = time.perf_counter(), time.process_time()
        report = runner.run_pass("cron_daily")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        mails = OutboxRepository(chambers.db).count()
        size = (Path(tmp) / "data" / "chambers.db").stat().st_size
        stored = chambers.service.sessions.count()
        chambers.db.dispose()
    return {"total": stored, "due": candidates, "ran": report.counts.get("ran", 0), "mails": mails,
            "errors": report.errors, "setup": setup, "pass": elapsed, "cpu": cpu, "bytes": size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="stored sessions (default 100,000)")
    parser.add_argument("--due", type=int, default=1_000, help="of which have a due cron_daily (default 1,000)")
    parser.add_argument("--growth", action="store_true", help="also measure 10k and 1M stored sessions")
    parser.add_argument("--target", type=float, default=5.0, help="seconds the main pass should stay under")
    args = parser.parse_args(argv)
    sizes = sorted({10_000, args.sessions, 1_000_000}) if args.growth else [args.sessions]
    print(f"{'stored':>10} {'due':>6} {'ran':>6} {'mails':>6} {'db MB':>6} {'setup s':>8} {'pass s':>7} "
          f"{'cpu s':>6} {'ms/due':>7}")
    main_result = None
    for size in sizes:
        result = measure(size, args.due)
        if size == args.sessions:
            main_result = result
        print(f"{result['total']:>10,} {result['due']:>6,} {result['ran']:>6,} {result['mails']:>6,} "
              f"{result['bytes'] / 1e6:>6.0f} {result['setup']:>8.1f} {result['pass']:>7.2f} {result['cpu']:>6.2f} "
              f"{1000 * result['pass'] / max(1, result['due']):>7.2f}", flush=True)
        if result["errors"] or result["ran"] != result["due"]:
            print(f"  problem: {result['errors']} error(s), {result['ran']} of {result['due']} ran", file=sys.stderr)
            return 1
    verdict = "within" if main_result["pass"] <= args.target else "OVER"
    print(f"cron_daily over {main_result['total']:,} sessions ({main_result['due']:,} due): "
          f"{main_result['pass']:.2f} s wall ({main_result['cpu']:.2f} s CPU), {verdict} the {args.target:.0f} s target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
