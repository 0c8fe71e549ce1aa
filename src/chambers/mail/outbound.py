"""Sending e-mail that interview code asks for with ``send_email()``.

Two mailers share one interface, ``send(message) -> bool`` (True: the message was accepted):

* :class:`SmtpMailer` hands the message to a configured relay (``smtplib``; STARTTLS, SSL, login);
* :class:`OutboxMailer` keeps it in SQL for ``chambers outbox`` to show. It is the default
  whenever no relay is configured, so a development server never sends mail by accident.
"""
from __future__ import annotations

import logging
import mimetypes
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any, Protocol

from .. import clock

if TYPE_CHECKING:
    from ..config import Settings
    from ..store.outbox import OutboxRepository

log = logging.getLogger(__name__)

TLS_MODES = ("starttls", "ssl", "none")


@dataclass
class OutgoingMessage:
    """A message as interview code described it; addresses are ``Name <addr>`` or bare."""
    to: list[str]
    subject: str = ""
    text: str | None = None
    html: str | None = None
    sender: str | None = None
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # filename, mimetype, data
    session_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OutgoingMessage":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def envelope_recipients(self) -> list[str]:
        from email.utils import getaddresses
        return [address for _, address in getaddresses(self.to + self.cc + self.bcc) if address]


def build_mime(message: OutgoingMessage, default_sender: str) -> Message:
    """The MIME message: text (and HTML) alternatives, then attachments.

    Built with the ``email.mime`` classes, which are several times faster than ``EmailMessage``
    (that matters when a cron pass mails thousands of people); readers parse it either way.
    """
    body: Message = _text_part(message.text if message.text is not None else "", "plain")
    if message.html:
        body = MIMEMultipart("alternative", _subparts=[body, _text_part(message.html, "html")])
    if message.attachments:
        body = MIMEMultipart("mixed", _subparts=[body] + [_attachment(*item) for item in message.attachments])
    sender = message.sender or default_sender
    body["From"] = _address_header([sender])
    body["To"] = _address_header(message.to)
    if message.cc:
        body["Cc"] = _address_header(message.cc)
    if message.reply_to:
        body["Reply-To"] = _address_header(message.reply_to)
    subject = " ".join((message.subject or "").split())
    body["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    body["Date"] = format_datetime(clock.now())
    body["Message-ID"] = make_msgid(domain=_domain_of(sender))
    return body


def _text_part(text: str, subtype: str) -> MIMEText:
    return MIMEText(text, subtype, "us-ascii" if text.isascii() else "utf-8")


def _attachment(filename: str, mimetype: str, data: bytes) -> MIMEBase:
    guessed = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _address_header(addresses: list[str]) -> str:
    return ", ".join(formataddr(parseaddr(address), charset="utf-8") for address in addresses)


def _domain_of(address: str) -> str:
    _, bare = parseaddr(address)
    return bare.rpartition("@")[2] or "localhost"


class Mailer(Protocol):
    def send(self, message: OutgoingMessage) -> bool: ...


class OutboxMailer:
    """Keeps every message in the outbox table; nothing leaves the machine."""

    def __init__(self, outbox: "OutboxRepository", default_sender: str):
        self.outbox = outbox
        self.default_sender = default_sender

    def send(self, message: OutgoingMessage) -> bool:
        recipients = message.envelope_recipients
        if not recipients:
            log.warning("e-mail %r has no recipients; not kept", message.subject)
            return False
        mime = build_mime(message, self.default_sender)
        self.outbox.add(sender=str(mime["From"]), recipients=recipients, subject=str(mime["Subject"]),
                        message=mime.as_bytes(), session_id=message.session_id)
        log.info("e-mail %r to %s kept in the outbox (no relay configured)", message.subject,
                 ", ".join(recipients))
        return True


@dataclass
class SmtpRelay:
    host: str
    port: int = 587
    tls: str = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"SMTP relay TLS mode must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")


class SmtpMailer:
    """Hands each message to the relay; True when the relay accepted it for at least one recipient."""

    def __init__(self, relay: SmtpRelay, default_sender: str):
        self.relay = relay
        self.default_sender = default_sender

    def _connect(self) -> smtplib.SMTP:
        relay = self.relay
        if relay.tls == "ssl":
            return smtplib.SMTP_SSL(relay.host, relay.port, timeout=relay.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)

    def send(self, message: OutgoingMessage) -> bool:
        recipients = message.envelope_recipients
        if not recipients:
            log.warning("e-mail %r has no recipients; not sent", message.subject)
            return False
        mime = build_mime(message, self.default_sender)
        envelope_from = parseaddr(str(mime["From"]))[1] or str(mime["From"])
        try:
            with self._connect() as smtp:
                if self.relay.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.relay.username:
                    smtp.login(self.relay.username, self.relay.password or "")
                refused = smtp.send_message(mime, from_addr=envelope_from, to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("the SMTP relay %s:%s did not accept e-mail %r: %s", self.relay.host, self.relay.port,
                        message.subject, exc)
            return False
        if refused:
            log.warning("the SMTP relay refused some recipients of %r: %s", message.subject, ", ".join(refused))
        return len(refused) < len(recipients)


def default_sender(settings: "Settings") -> str:
    return settings.mail_from or f"no-reply@{socket.getfqdn() or 'localhost'}"


def mailer_from_settings(settings: "Settings", db) -> Mailer:
    """An :class:`SmtpMailer` if a relay host is configured, else an :class:`OutboxMailer`."""
    sender = default_sender(settings)
    if settings.smtp_relay_host:
        relay = SmtpRelay(host=settings.smtp_relay_host, port=settings.smtp_relay_port,
                          tls=settings.smtp_relay_tls, username=settings.smtp_relay_username,
                          password=settings.smtp_relay_password)
        return SmtpMailer(relay, sender)
    from ..store.outbox import OutboxRepository
    return OutboxMailer(OutboxRepository(db), sender)
