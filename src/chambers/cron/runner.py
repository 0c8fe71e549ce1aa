"""A cron pass: claim the (event, period), delete inactive sessions (``cron_daily``), then run
the event in every session that has it, a batch of ids at a time.

Only sessions cron may run are indexed for their events when they are saved (``session_events``),
so a pass reads only the sessions that have something to run, however many others are stored.
Batches run here, one after another, or are handed to ``dispatch`` (a Celery task per batch in a
cluster).  The claim in ``cron_passes`` lets one process at a time work on an (event, period); the
mark each session keeps (see :mod:`.session_run`) makes a repeated batch harmless.
"""
from __future__ import annotations

import datetime
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import clock
from ..store.cron_passes import CronPassRepository
from .expiry import delete_inactive
from .periods import period_key, variants
from .session_run import DELETED, ERROR, GONE, NOT_SAVED, RAN, SKIPPED, SessionResult, run_event

if TYPE_CHECKING:
    from ..sessions.service import SessionService

log = logging.getLogger(__name__)

BATCH_SIZE = 200
LEASE = datetime.timedelta(minutes=15)     # a holder silent this long is presumed dead
KEEP_LEDGER = datetime.timedelta(days=60)

Dispatch = Callable[[str, str, list[str]], None]


@dataclass
class BatchReport:
    counts: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    def add(self, result: SessionResult) -> None:
        self.counts[result.status] = self.counts.get(result.status, 0) + 1

    @property
    def ran(self) -> int:
        return sum(self.counts.get(s, 0) for s in (RAN, NOT_SAVED, DELETED))

    @property
    def errors(self) -> int:
        return self.counts.get(ERROR, 0)


@dataclass
class PassReport:
    event: str
    period: str
    status: str = "ran"            # ran, finished before, running elsewhere, taken over
    deleted_inactive: int = 0
    batches: int = 0
    dispatched: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def merge(self, batch: BatchReport) -> None:
        for status, number in batch.counts.items():
            self.counts[status] = self.counts.get(status, 0) + number

    @property
    def errors(self) -> int:
        return self.counts.get(ERROR, 0)

    def summary(self) -> str:
        head = f"{self.event} {self.period}"
        if self.status in {"finished before", "running elsewhere"}:
            return f"{head}: nothing to do, a pass for this period {'already ran' if self.status == 'finished before' else 'is running elsewhere'}"
        if self.dispatched:
            body = f"{self.batches} batch(es) sent to the workers"
        else:
            body = ", ".join(f"{self.counts.get(s, 0)} {label}" for s, label in (
                (RAN, "ran and saved"), (NOT_SAVED, "ran without saving"), (DELETED, "deleted by the event"),
                (SKIPPED, "skipped"), (GONE, "not open to cron"), (ERROR, "failed")) if self.counts.get(s, 0)) \
                or "no sessions to run"
        deleted = f"; {self.deleted_inactive} inactive session(s) deleted" if self.deleted_inactive else ""
        taken = "; stopped: another process took the pass over" if self.status == "taken over" else ""
        return f"{head}: {body}{deleted}{taken} ({self.seconds:.2f} s)"


class CronRunner:
    def __init__(self, service: "SessionService", passes: CronPassRepository, *, delete_days: int = 90,
                 batch_size: int = BATCH_SIZE, dispatch: Dispatch | None = None,
                 output: Callable[[str], None] | None = None, after_session: Callable[[], None] | None = None,
                 lease: datetime.timedelta = LEASE, owner: str | None = None):
        self.service = service
        self.passes = passes
        self.delete_days = delete_days
        self.batch_size = batch_size
        self.dispatch = dispatch
        self.output = output or (lambda line: log.info("%s", line))
        self.after_session = after_session
        self.lease = lease
        self.owner = owner or secrets.token_hex(8)

    # A whole pass -------------------------------------------------------------------------------
    def run_pass(self, event: str, period: str | None = None) -> PassReport:
        started = time.monotonic()
        period = period or period_key(event, clock.now())
        report = PassReport(event, period, dispatched=self.dispatch is not None)
        claim = self.passes.claim(event, period, self.owner, stale_after=self.lease)
        if not claim.granted:
            report.status = "finished before" if claim.existing and claim.existing.finished else "running elsewhere"
            report.seconds = time.monotonic() - started
            return report
        if claim.resumed_from:
            log.warning("%s %s: resuming a pass whose process stopped (at %s)", event, period, claim.resumed_from)
        if event == "cron_daily" and self.delete_days > 0:
            cutoff = clock.now() - datetime.timedelta(days=self.delete_days)
            report.deleted_inactive = delete_inactive(self.service.sessions.db, cutoff)
        if not self._run_variants(event, period, claim.resumed_from, report):
            report.status = "taken over"
        else:
            self.passes.finish(event, period, self.owner)
            self.passes.prune(clock.now() - KEEP_LEDGER)
        report.seconds = time.monotonic() - started
        return report

    def _run_variants(self, event: str, period: str, resume: str | None, report: PassReport) -> bool:
        names = variants(event)
        resume_variant, _, after = (resume or "").partition(" ")
        if resume_variant in names:
            names = names[names.index(resume_variant):]
        for variant in names:
            after_id = (after or None) if variant == resume_variant else None
            while True:
                ids = self.service.sessions.cron_candidates(variant, batch_size=self.batch_size, after_id=after_id)
                if not ids:
                    break
                batch = BatchReport()
                if self.dispatch is not None:
                    self.dispatch(variant, period, ids)
                else:
                    batch = self.run_batch(variant, period, ids)
                    report.merge(batch)
                report.batches += 1
                after_id = ids[-1]
                if not self.passes.heartbeat(event, period, self.owner, cursor=f"{variant} {after_id}",
                                             sessions_run=batch.ran, errors=batch.errors):
                    return False
                if len(ids) < self.batch_size:
                    break
        return True

    # One batch (here, or in a worker) ---------------------------------------------------------------
    def run_batch(self, event: str, period: str, session_ids: list[str]) -> BatchReport:
        batch = BatchReport()
        for session_id in session_ids:
            result = run_event(self.service, session_id, event, period)
            batch.add(result)
            if result.output:
                batch.outputs.append(result.output)
                self.output(result.output)
            if result.status == ERROR:
                self.output(f"{event}: session {session_id} failed: {result.detail}")
            if self.after_session is not None:
                self.after_session()
        return batch
