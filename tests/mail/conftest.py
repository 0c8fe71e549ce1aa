"""Incoming mail in one process: a Chambers on SQLite, the inbox, and a worker run by hand."""
from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest

from chambers.config import Settings
from chambers.interview.context import Identity
from chambers.mail.delivery import DeliveryPolicy, MailDispatcher, MailProcessor
from chambers.mail.inbound import Inbox
from chambers.sessions import SessionRef
from chambers.store.mail import MailRepository
from chambers.wiring import build

INTERVIEWS = Path(__file__).resolve().parent / "interviews"
DOMAIN = "mail.test"
BROWSER = Identity(session_uid="browser-1")
ADDRESS = re.compile(r"\b([a-z]{6})@([a-z0-9-]+(?:\.[a-z0-9-]+)*)")


def message(to: str, subject: str = "Hello", text: str | None = "Hi there", html: str | None = None,
            attachment: tuple[str, bytes] | None = None, sender: str = "Ann Smith <ann@example.com>",
            **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    if text is not None:
        mail.set_content(text)
    if html is not None:
        if text is None:
            mail.set_content(html, subtype="html")
        else:
            mail.add_alternative(html, subtype="html")
    if attachment is not None:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return mail


class MailWorld:
    def __init__(self, root: Path, dirs: list[Path], *, policy: DeliveryPolicy | None = None,
                 max_bytes: int = 1_000_000):
        self.settings = Settings(interview_dirs=dirs, data_dir=root / "data", database_url=None, redis_url=None,
                                 secret_key="test-key", incoming_mail_domain=DOMAIN)
        self.chambers = build(self.settings)
        self.service = self.chambers.service
        self.repository = MailRepository(self.chambers.db)
        self.policy = policy or DeliveryPolicy(attempts=3, retry_seconds=0.0, lease_seconds=1.0)
        self.processor = MailProcessor(self.repository, self.service, self.policy)
        self.sent: list[int] = []                  # what the workers were told about, in order
        self.dispatcher = MailDispatcher(self.repository, self.sent.append, self.policy)
        self.inbox = Inbox(self.repository, self.dispatcher, domain=DOMAIN, max_bytes=max_bytes)

    def start(self, name: str, identity: Identity = BROWSER) -> tuple[SessionRef, str]:
        """A session of ``name`` on the screen that shows its address; (ref, address)."""
        result = self.service.start(name, identity)
        ref = SessionRef(result.session_id, result.secret)
        result = self.service.view(ref, identity)
        if "intro_seen" in [f.variable for f in result.screen.fields] or result.screen.continue_field:
            result = self.service.answer(ref, identity, result.screen.block_name, {"intro_seen": "True"})
        found = ADDRESS.search(result.screen.subquestion)
        assert found, result.screen.subquestion
        return ref, found.group(0)

    def deliver(self, mail: EmailMessage | bytes, to: str | list[str], sender: str = "bounce@example.com") -> str:
        raw = mail if isinstance(mail, bytes) else mail.as_bytes()
        return self.inbox.receive(sender, [to] if isinstance(to, str) else to, raw)

    def work(self) -> list[str]:
        """Run every message the workers were told about; the states they ended in."""
        states = []
        while self.sent:
            states.append(self.processor.process(self.sent.pop(0)))
        return states

    def answers(self, ref: SessionRef) -> dict:
        return self.service.variables(ref)

    def close(self) -> None:
        self.chambers.db.dispose()


@pytest.fixture
def world(tmp_path, docassemble_examples):
    built = MailWorld(tmp_path, [INTERVIEWS, docassemble_examples])
    yield built
    built.close()
