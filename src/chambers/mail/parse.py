"""A received message's raw bytes → the header fields interviews read and the parts to store as files.

Parsing never raises: whatever cannot be understood is noted in ``problems`` and the rest is kept
(the raw source is always stored beside it).  Parts follow docassemble's layout:

* part 0 is ``headers.json``, the header fields as ``[name, value]`` pairs;
* every leaf MIME part becomes a file; an unnamed ``text/plain`` part is ``attachment.txt`` and an
  unnamed ``text/html`` part ``attachment.html``;
* among the first three leaf parts, the first unnamed inline ``text/plain`` is the body text and
  the first unnamed inline ``text/html`` the body HTML; every other part is an attachment.

Text parts are stored re-encoded as UTF-8 so that ``DAFile.slurp()`` reads them correctly.
The message is read with the ``compat32`` policy (several times faster than ``default``) and
header values are decoded here: RFC 2047 encoded words, and raw UTF-8 as SMTPUTF8 mailers send it.
"""
from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, Iterator

BODY_PART_WINDOW = 3  # only the first three leaf parts may be the body (docassemble's rule)
ADDRESS_HEADERS = ("to", "cc", "from", "reply-to", "return-path")


@dataclass
class Part:
    filename: str
    mimetype: str
    data: bytes
    role: str  # headers, body_text, body_html, attachment


@dataclass
class ParsedMessage:
    subject: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    sender: tuple[str, str] | None = None          # From
    reply_to: tuple[str, str] | None = None
    return_path: tuple[str, str] | None = None
    date: datetime | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The header fields as JSON-ready data (stored with the message)."""
        return {"subject": self.subject, "to": [list(a) for a in self.to], "cc": [list(a) for a in self.cc],
                "from": list(self.sender) if self.sender else None,
                "reply_to": list(self.reply_to) if self.reply_to else None,
                "return_path": list(self.return_path) if self.return_path else None,
                "date": self.date.isoformat() if self.date else None, "problems": list(self.problems)}


def clean(text: Any) -> str:
    """Text that is safe to store and show: stray bytes (kept by the parser as surrogates) replaced."""
    text = "" if text is None else str(text)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def parse_message(raw: bytes) -> ParsedMessage:
    parsed = ParsedMessage()
    try:
        message = message_from_bytes(raw, policy=policy.compat32)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser is lenient; this is a last resort
        parsed.problems.append(f"the message could not be parsed at all ({type(exc).__name__}: {exc})")
        parsed.parts.append(_headers_part([]))
        return parsed
    parsed.headers = [(clean(name), _header_text(name, value, parsed.problems))
                      for name, value in _raw_items(message)]
    parsed.subject = _single(parsed.headers, "subject") or ""
    parsed.to = _addresses(parsed.headers, "to")
    parsed.cc = _addresses(parsed.headers, "cc")
    parsed.sender = _first_address(parsed.headers, "from")
    parsed.reply_to = _first_address(parsed.headers, "reply-to")
    parsed.return_path = _first_address(parsed.headers, "return-path")
    parsed.date = _date(_single(parsed.headers, "date"), parsed.problems)
    parsed.parts.append(_headers_part(parsed.headers))
    try:
        _collect_parts(message, parsed)
    except Exception as exc:  # noqa: BLE001 - keep the parts found so far
        parsed.problems.append(f"the MIME structure could not be read completely ({type(exc).__name__}: {exc})")
    for defect in _defects(message):
        parsed.problems.append(f"{type(defect).__name__}: {clean(defect)}".rstrip(": "))
    return parsed


# Headers ------------------------------------------------------------------------------------------
def _raw_items(message: Message) -> list[tuple[str, Any]]:
    try:
        return list(message.raw_items())
    except Exception:  # noqa: BLE001
        return []


def _header_text(name: str, raw_value: Any, problems: list[str]) -> str:
    """A header's value unfolded and decoded (RFC 2047, or raw UTF-8), else as received."""
    value = "".join(str(raw_value).splitlines())
    if _has_surrogates(value):
        return clean(value)  # 8-bit text in a header: SMTPUTF8 (or a sloppy mailer); read it as UTF-8
    if "=?" not in value:
        return value
    try:
        return clean(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - a broken encoded word
        problems.append(f"header {clean(name)!r} could not be decoded; kept as received")
        return clean(value)


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


def _single(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return " ".join(value.split()) if name == "subject" else value.strip()
    return None


def _addresses(headers: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    values = [value for key, value in headers if key.lower() == name]
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001
        return []
    return [(clean(n), clean(a)) for n, a in pairs if a or n]


def _first_address(headers: list[tuple[str, str]], name: str) -> tuple[str, str] | None:
    found = _addresses(headers, name)
    if found:
        return found[0]
    if name == "return-path" and _single(headers, name) is not None:
        return ("", "")  # "Return-Path: <>": a null sender, present but empty
    return None


def _date(value: str | None, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        problems.append(f"the Date header {value!r} is not a date")
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _headers_part(headers: list[tuple[str, str]]) -> Part:
    data = json.dumps([[k, v] for k, v in headers], ensure_ascii=False, indent=1).encode("utf-8")
    return Part("headers.json", "application/json", data, "headers")


# Parts --------------------------------------------------------------------------------------------
def _leaves(message: Message) -> Iterator[Message]:
    """Leaf parts in order; an attached message (message/rfc822) counts as one leaf."""
    if message.get_content_maintype() == "message" and message.get_content_type() == "message/rfc822":
        yield message
        return
    if message.is_multipart():
        for sub in message.get_payload() or []:
            if isinstance(sub, Message):
                yield from _leaves(sub)
        return
    yield message


def _collect_parts(message: Message, parsed: ParsedMessage) -> None:
    roles_taken: set[str] = set()
    for position, part in enumerate(_leaves(message), start=1):
        mimetype = clean(part.get_content_type())
        filename = _filename(part, parsed.problems)
        data = _content(part, mimetype, parsed.problems)
        role = "attachment"
        inline = _disposition(part) != "attachment"
        if filename is None and inline and position <= BODY_PART_WINDOW:
            wanted = {"text/plain": "body_text", "text/html": "body_html"}.get(mimetype)
            if wanted and wanted not in roles_taken:
                role = wanted
                roles_taken.add(wanted)
        parsed.parts.append(Part(filename or _default_name(mimetype), mimetype, data, role))


def _filename(part: Message, problems: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        problems.append("a part's file name could not be read")
        return None
    if not name:
        return None
    name = clean(name).replace("/", "_").replace("\\", "_").strip()
    return name[:200] or None


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None


def _default_name(mimetype: str) -> str:
    if mimetype == "text/plain":
        return "attachment.txt"
    if mimetype == "text/html":
        return "attachment.html"
    if mimetype == "message/rfc822":
        return "attachment.eml"
    return "attachment" + (mimetypes.guess_extension(mimetype) or ".bin")


def _content(part: Message, mimetype: str, problems: list[str]) -> bytes:
    if mimetype == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        try:
            return inner.as_bytes() if isinstance(inner, Message) else bytes(str(inner), "utf-8")
        except Exception:  # noqa: BLE001
            problems.append("an attached message could not be re-assembled; its text is kept as received")
            return clean(part.get_payload()).encode("utf-8")
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - e.g. broken base64 the decoder gives up on
        problems.append(f"a {mimetype} part could not be decoded; kept as received")
        payload = clean(part.get_payload()).encode("utf-8")
    payload = payload if isinstance(payload, bytes) else b""
    if part.get_content_maintype() != "text":
        return payload
    charset = _charset(part)
    try:
        text = payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        problems.append(f"a {mimetype} part is not valid {charset}; undecodable bytes were replaced")
        text = payload.decode("utf-8", "replace")
    return text.encode("utf-8")


def _charset(part: Message) -> str:
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # noqa: BLE001
        return "utf-8"
    return "utf-8" if charset in ("us-ascii", "ascii") else clean(charset)


def _defects(message: Message) -> Iterator[Any]:
    try:
        for part in message.walk():
            yield from getattr(part, "defects", [])
    except Exception:  # noqa: BLE001
        return
