"""Receiving mail: which recipients exist, storing a message durably, and the aiosmtpd handler.

The SMTP conversation answers 250 only after the message (raw source, parsed parts, attachments
as files) is committed.  An unknown recipient is refused at RCPT with 550; a message over the
size limit gets 552 (aiosmtpd enforces ``data_size_limit``, and :meth:`Inbox.receive` checks again);
a storage failure gets 451 so that the sender tries again later.
"""
from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import Executor
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store.mail import QUEUED, FileToStore, IncomingCopy, MailRepository, StoredCopy
from ..store.timestamps import utcnow
from .addresses import looks_like_code, split_recipient
from .batching import direct_store
from .delivery import MailDispatcher, plan_for
from .parse import clean, parse_message

log = logging.getLogger(__name__)

_RETURN_PATH = re.compile(rb"(?im)^return-path[ \t]*:")


@dataclass(frozen=True)
class Stored:
    message_ids: list[int]          # every copy stored (one per distinct recipient)
    queued: list[int]               # those a worker should run incoming_email for
    refused: list[str]


class Inbox:
    """``store`` is a :class:`~.batching.StoreWriter`'s ``store`` (group commit) or
    :func:`~.batching.direct_store`; by default the latter."""

    def __init__(self, repository: MailRepository, dispatcher: MailDispatcher, *, domain: str, max_bytes: int,
                 store: Callable[[Sequence[IncomingCopy], datetime | None], list[StoredCopy]] | None = None):
        self.repository = repository
        self.dispatcher = dispatcher
        self.domain = domain.lower()
        self.max_bytes = max_bytes
        self.store_copies = store or direct_store(repository, plan_for)

    # RCPT ---------------------------------------------------------------------------------------
    def refusal(self, recipient: str) -> str | None:
        """Why mail to ``recipient`` is refused (an SMTP reply), or None if it is accepted."""
        code, domain = split_recipient(recipient)
        shown = clean(recipient)[:200]
        if domain != self.domain:
            return f"550 5.1.2 <{shown}>: this server receives mail only for @{self.domain}"
        target = self.repository.target(code) if looks_like_code(code) else None
        if target is None:
            return f"550 5.1.1 <{shown}>: no interview has this address"
        if not target.session_exists:
            return f"550 5.1.1 <{shown}>: the interview session of this address no longer exists"
        return None

    # DATA ---------------------------------------------------------------------------------------
    def receive(self, mail_from: str, recipients: list[str], raw: bytes) -> str:
        """Store the message for each recipient; the SMTP reply."""
        arrived = utcnow()
        if len(raw) > self.max_bytes:
            return f"552 5.3.4 the message is larger than this server's limit of {self.max_bytes} bytes"
        try:
            stored = self.store(mail_from, recipients, raw, arrived)
        except Exception:  # noqa: BLE001 - nothing was answered yet, so the sender keeps the message
            log.exception("an incoming message could not be stored")
            return "451 4.3.0 the message could not be stored; please try again later"
        if not stored.message_ids:
            return "550 5.1.1 none of the recipients exists any more"
        for message_id in stored.queued:
            self.dispatcher.dispatch(message_id)
        return f"250 2.0.0 OK: stored as {' '.join(f'#{i}' for i in stored.message_ids)}"

    def store(self, mail_from: str, recipients: list[str], raw: bytes, arrived: datetime | None = None) -> Stored:
        """Parse once and store a copy for each distinct recipient."""
        raw = with_return_path(raw, mail_from)
        parsed = parse_message(raw)
        if parsed.problems:
            log.info("incoming message has problems (stored anyway): %s", "; ".join(parsed.problems[:5]))
        files = [FileToStore(p.filename, p.mimetype, p.data, p.role) for p in parsed.parts]
        fields = parsed.fields()
        copies: list[IncomingCopy] = []
        refused: list[str] = []
        for recipient in recipients:
            code, domain = split_recipient(recipient)
            if code in {c.code for c in copies}:
                continue
            if domain != self.domain or not looks_like_code(code):
                refused.append(f"<{clean(recipient)}>: not an interview address")
                continue
            copies.append(IncomingCopy(code=code, envelope_from=clean(mail_from), envelope_to=clean(recipient),
                                       raw=raw, fields=fields, files=files, received_at=arrived or utcnow()))
        results = self.store_copies(copies, self.dispatcher.resend_at()) if copies else []
        stored = [r.message_id for r in results if r.message_id is not None]
        queued = [r.message_id for r in results if r.message_id is not None and r.state == QUEUED]
        for copy, result in zip(copies, results):
            if result.refusal:
                refused.append(f"<{copy.envelope_to}>: {result.refusal}")
            elif result.state != QUEUED:
                log.info("e-mail %d for session %s kept: %s", result.message_id, (result.session_id or "")[:6],
                         result.note)
        return Stored(message_ids=stored, queued=queued, refused=refused)


def with_return_path(raw: bytes, mail_from: str) -> bytes:
    """As the final delivery server: add ``Return-Path`` (the envelope sender) unless it is there."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    if _RETURN_PATH.search(head):
        return raw
    sender = (mail_from or "").strip().strip("<>")
    line = f"Return-Path: <{sender}>\r\n".encode("utf-8", "replace")
    return line + raw


class SmtpHandler:
    """aiosmtpd's handler: the blocking database work runs in ``executor``."""

    def __init__(self, inbox: Inbox, executor: Executor):
        self.inbox = inbox
        self.executor = executor

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        loop = asyncio.get_running_loop()
        try:
            problem = await loop.run_in_executor(self.executor, self.inbox.refusal, address)
        except Exception:  # noqa: BLE001
            log.exception("checking the recipient %r failed", address)
            return "451 4.3.0 the recipient cannot be checked now; please try again later"
        if problem:
            return problem
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        loop = asyncio.get_running_loop()
        raw = envelope.original_content or b""
        return await loop.run_in_executor(self.executor, self.inbox.receive, envelope.mail_from or "",
                                          list(envelope.rcpt_tos), bytes(raw))
