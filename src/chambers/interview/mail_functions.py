"""``send_email()``: e-mail from interview code, through the mailer the session service supplies.

The task system ties in here: ``send_email(..., task='x')`` marks task ``x`` as performed only
when the mail was accepted (by the relay, or by the outbox on the embedded default).
"""
from __future__ import annotations

import logging
from functools import lru_cache
from email.utils import formataddr, getaddresses
from typing import Any

from .context import current
from .task_counters import mark_task_as_performed

__all__ = ["send_email"]

log = logging.getLogger(__name__)


def send_email(to: Any = None, sender: Any = None, reply_to: Any = None, cc: Any = None, bcc: Any = None,
               body: str | None = None, html: str | None = None, subject: str = "", template: Any = None,
               task: str | None = None, task_persistent: bool = False, attachments: Any = None,
               mailgun_variables: Any = None, dry_run: bool = False, config: str = "default",
               **_: Any) -> bool:
    """Send an e-mail; True if it was accepted.  With ``task``, the task is marked performed then."""
    run = current()
    message = compose(to=to, sender=sender, reply_to=reply_to, cc=cc, bcc=bcc, body=body, html=html,
                      subject=subject, template=template, attachments=attachments)
    message["session_id"] = run.session_id
    if not (message["to"] or message["cc"] or message["bcc"]):
        log.warning("send_email(): no recipients, so nothing was sent")
        return False
    if dry_run:
        return True
    try:
        accepted = bool(run.services.send_email(run, message))
    except Exception as exc:  # noqa: BLE001 - a failed send is reported as False, as documented
        log.warning("send_email(%r) failed: %s", message["subject"], exc)
        accepted = False
    if accepted and task:
        mark_task_as_performed(task)
    return accepted


def compose(*, to: Any, sender: Any, reply_to: Any, cc: Any, bcc: Any, body: str | None, html: str | None,
            subject: str, template: Any, attachments: Any) -> dict[str, Any]:
    """The message as a plain dictionary (the engine hands it to the mailer without knowing MIME)."""
    text = body
    if template is not None:
        if not subject:
            subject = str(template.subject)
        content = str(template.content)
        if text is None:
            text = content
        if html is None:
            html = _html_of(content)
    senders = addresses(sender)
    return {"to": addresses(to), "cc": addresses(cc), "bcc": addresses(bcc), "reply_to": addresses(reply_to),
            "sender": senders[0] if senders else None, "subject": " ".join(str(subject or "").split()),
            "text": text if text is not None else "", "html": html, "attachments": attachment_parts(attachments)}


@lru_cache(maxsize=256)
def _html_of(markdown_text: str) -> str:
    """A template's content as HTML; cached, since a cron pass mails the same text to many people."""
    from .markup import markdown_to_html
    return markdown_to_html(markdown_text)


def addresses(value: Any) -> list[str]:
    """Recipients in any of the shapes interview code passes: text, lists, people, recipients."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [formataddr((name, address)) for name, address in getaddresses([value]) if "@" in address]
    if isinstance(value, (list, tuple, set, frozenset)):
        found: list[str] = []
        for item in value:
            found.extend(addresses(item))
        return found
    attributes = getattr(value, "__dict__", {})
    if "address" in attributes:            # an e-mail recipient: .address and maybe .name
        address, name = attributes["address"], attributes.get("name", "")
    else:                                  # a person: .email (sought if undefined) and maybe .name
        address = value.email
        name = attributes.get("name", "")
    name = name.full() if hasattr(name, "full") else name
    address = str(address or "")
    return [formataddr((str(name or ""), address))] if "@" in address else []


def attachment_parts(value: Any) -> list[tuple[str, str, bytes]]:
    """(filename, mimetype, data) for each stored file in ``value`` (a file, a list, a document)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        parts: list[tuple[str, str, bytes]] = []
        for item in value:
            parts.extend(attachment_parts(item))
        return parts
    formats = getattr(value, "__dict__", {}).get("formats")
    if formats is not None:               # an assembled document: one file per format
        return attachment_parts([getattr(value, fmt) for fmt in formats])
    number = getattr(value, "__dict__", {}).get("number")
    if number is None:
        raise ValueError(f"send_email(): cannot attach {value!r}; attach stored files or documents")
    run = current()
    return [(value.filename, value.mimetype, run.services.read_file(run, number))]
