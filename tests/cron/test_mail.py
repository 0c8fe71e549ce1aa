"""Outbound e-mail: send_email() from interview code, the SMTP relay, and the outbox."""
import email
import email.policy

import pytest

from chambers import cli
from chambers.config import Settings
from chambers.mail.outbound import OutboxMailer, OutgoingMessage, SmtpMailer, SmtpRelay, mailer_from_settings

from .conftest import WEB

MAILING = """\
mandatory: True
code: |
  multi_user = True
---
mandatory: True
question: Ready.
buttons:
  - Leave: leave
---
event: mail_it
code: |
  sent = send_email(to=[recipient, 'Second Person <second@example.com>'], cc='cc@example.com',
                    subject='About your case', body='Plain words.', html='<p>Rich words.</p>',
                    sender='Clerk <clerk@example.com>', reply_to='desk@example.com',
                    attachments=letter, task='mailed')
  response()
---
event: mail_nobody
code: |
  sent = send_email(to=[], body='Nobody.', task='mailed')
  response()
---
event: dry_run
code: |
  sent = send_email(to='x@example.com', body='Not really.', task='mailed', dry_run=True)
  response()
---
code: |
  recipient = DAObject('recipient', name='Pat Doe', email='pat@example.com')
---
code: |
  letter = DAFile('letter', file_id=save_letter(), filename='letter.txt', mimetype='text/plain')
"""


def _save_letter_module(w):
    (w.dir / "letterhelp.py").write_text(
        "from chambers.interview.context import current\n"
        "def save_letter():\n"
        "    run = current()\n"
        "    return run.services.save_file(run, 'letter.txt', 'text/plain', b'Dear Pat')\n")


@pytest.fixture
def mailing(world, monkeypatch):
    w = world({"mailing.yml": "modules:\n  - letterhelp\n---\n" + MAILING})
    _save_letter_module(w)
    monkeypatch.syspath_prepend(str(w.dir))
    return w


def test_send_email_builds_the_whole_message(mailing):
    w = mailing
    ref = w.start("mailing.yml")
    w.service.run_action(ref, WEB, "mail_it")
    answers = w.answers(ref)
    assert answers["sent"] is True and answers["_internal"]["tasks"] == {"mailed": 1}
    (kept,) = w.outbox.messages()
    assert kept.recipients == ("pat@example.com", "second@example.com", "cc@example.com")
    message = email.message_from_bytes(kept.message, policy=email.policy.default)
    assert message["To"] == "Pat Doe <pat@example.com>, Second Person <second@example.com>"
    assert message["From"] == "Clerk <clerk@example.com>" and message["Reply-To"] == "desk@example.com"
    assert message["Subject"] == "About your case" and message["Date"]
    assert message.get_body(("plain",)).get_content().strip() == "Plain words."
    assert message.get_body(("html",)).get_content().strip() == "<p>Rich words.</p>"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "letter.txt" and attachment.get_content() == "Dear Pat"


def test_no_recipients_and_dry_runs_send_nothing_and_mark_nothing(mailing):
    w = mailing
    ref = w.start("mailing.yml")
    w.service.run_action(ref, WEB, "mail_nobody")
    assert w.answers(ref)["sent"] is False
    w.service.run_action(ref, WEB, "dry_run")
    assert w.answers(ref)["sent"] is True
    assert w.outbox.count() == 0 and w.answers(ref)["_internal"]["tasks"] == {}


class _Collector:
    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def relay():
    from aiosmtpd.controller import Controller
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Collector(refuse={"nobody@example.com"})
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, SmtpRelay(host="127.0.0.1", port=port, tls="none")
    controller.stop()


def test_the_smtp_relay_accepts(relay):
    handler, settings = relay
    mailer = SmtpMailer(settings, "Chambers <robot@example.com>")
    assert mailer.send(OutgoingMessage(to=["pat@example.com"], bcc=["hidden@example.com"], subject="Hi", text="Hello"))
    (mail_from, recipients, content), = handler.messages
    assert mail_from == "robot@example.com" and recipients == ["pat@example.com", "hidden@example.com"]
    assert b"Subject: Hi" in content and b"hidden@example.com" not in content


def test_a_refusing_relay_means_false_and_no_task_mark(relay, mailing):
    handler, settings = relay
    mailing.service.mailer = SmtpMailer(settings, "robot@example.com")
    assert not mailing.service.mailer.send(OutgoingMessage(to=["nobody@example.com"], text="x"))
    down = SmtpMailer(SmtpRelay(host="127.0.0.1", port=1, tls="none", timeout=2), "robot@example.com")
    assert not down.send(OutgoingMessage(to=["pat@example.com"], text="x"))
    mailing.service.mailer = down
    ref = mailing.start("mailing.yml")
    mailing.service.run_action(ref, WEB, "mail_it")
    assert mailing.answers(ref)["sent"] is False and mailing.answers(ref)["_internal"]["tasks"] == {}


def test_settings_choose_the_mailer(tmp_path, monkeypatch):
    from chambers.store.db import Database
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    db.upgrade()
    assert isinstance(mailer_from_settings(Settings(data_dir=tmp_path), db), OutboxMailer)
    for key, value in {"CHAMBERS_SMTP_RELAY_HOST": "smtp.example.com", "CHAMBERS_SMTP_RELAY_PORT": "465",
                       "CHAMBERS_SMTP_RELAY_TLS": "ssl", "CHAMBERS_SMTP_RELAY_USERNAME": "me",
                       "CHAMBERS_SMTP_RELAY_PASSWORD": "pw", "CHAMBERS_MAIL_FROM": "Court <c@example.com>"}.items():
        monkeypatch.setenv(key, value)
    mailer = mailer_from_settings(Settings(data_dir=tmp_path), db)
    assert isinstance(mailer, SmtpMailer) and mailer.default_sender == "Court <c@example.com>"
    assert (mailer.relay.host, mailer.relay.port, mailer.relay.tls, mailer.relay.username) == \
        ("smtp.example.com", 465, "ssl", "me")
    with pytest.raises(ValueError):
        SmtpRelay(host="x", tls="sometimes")
    db.dispose()


def test_chambers_outbox_prints_and_clears(mailing, capsys):
    w = mailing
    ref = w.start("mailing.yml")
    w.service.run_action(ref, WEB, "mail_it")
    assert cli.main(["outbox", "--data", str(w.settings.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Subject: About your case" in out and "Plain words." in out and "Attachments: letter.txt" in out
    assert cli.main(["outbox", "--raw", "--clear", "--data", str(w.settings.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Content-Type: multipart/mixed" in out and "Deleted 1 message(s)" in out
    assert cli.main(["outbox", "--data", str(w.settings.data_dir)]) == 0
    assert "The outbox is empty." in capsys.readouterr().out
