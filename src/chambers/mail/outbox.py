"""``chambers outbox``: show (or empty) the e-mail kept instead of being sent."""
from __future__ import annotations

import email
import email.policy
from typing import TextIO

from ..store.outbox import OutboxMessage, OutboxRepository


def readable_body(raw: bytes) -> str:
    """The plain-text part of a message (or its HTML part, if it has no plain text)."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    part = parsed.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    return part.get_content().rstrip("\n")


def attachment_names(raw: bytes) -> list[str]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return [part.get_filename() or "(unnamed)" for part in parsed.iter_attachments()]


def print_message(message: OutboxMessage, out: TextIO, *, raw: bool = False) -> None:
    out.write(f"--- message {message.id}, kept {message.created_at:%Y-%m-%d %H:%M:%S} UTC"
              + (f", session {message.session_id}" if message.session_id else "") + "\n")
    if raw:
        out.write(message.message.decode("utf-8", "replace").rstrip("\n") + "\n")
        return
    out.write(f"From: {message.sender}\nTo: {', '.join(message.recipients)}\nSubject: {message.subject}\n")
    names = attachment_names(message.message)
    if names:
        out.write(f"Attachments: {', '.join(names)}\n")
    out.write("\n" + readable_body(message.message) + "\n")


def show_outbox(outbox: OutboxRepository, out: TextIO, *, limit: int | None = None, raw: bool = False,
                clear: bool = False) -> int:
    """Print the kept messages (the newest ``limit``); with ``clear``, delete them all afterwards."""
    messages = outbox.messages(limit=limit)
    for message in messages:
        print_message(message, out, raw=raw)
    if not messages:
        out.write("The outbox is empty.\n")
    if clear:
        removed = outbox.clear()
        out.write(f"Deleted {removed} message(s) from the outbox.\n")
    return len(messages)
