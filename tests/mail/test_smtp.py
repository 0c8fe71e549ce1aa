"""The SMTP conversation, against the aiosmtpd server in this process (workers run by hand)."""
import smtplib
import socket

import pytest

from chambers.mail.server import MailServer
from tests.live_server import free_port

from .conftest import message


@pytest.fixture
def smtp(world):
    world.inbox.max_bytes = 50_000
    server = MailServer(world.inbox, world.dispatcher, host="127.0.0.1", port=free_port(), sweep_interval=60).start()
    yield server
    server.stop()


def _client(server) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", server.port, timeout=10)


def test_a_message_is_stored_before_the_server_says_250(world, smtp):
    ref, address = world.start("mail_log.yml")
    with _client(smtp) as client:
        assert client.send_message(message(address, subject="Grüße ✓"), "bounce@example.com", [address]) == {}
        [stored] = world.repository.in_state("queued")   # committed by the time the client saw 250
    assert stored.summary["subject"] == "Grüße ✓" and stored.envelope_from == "bounce@example.com"
    world.work()
    assert world.answers(ref)["received"][0]["subject"] == "Grüße ✓"


def test_unknown_recipients_are_refused_with_550(world, smtp):
    _, address = world.start("mail_log.yml")
    with _client(smtp) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(message("nobody@mail.test"), "a@example.com", ["zzzzzz@mail.test"])
        assert refused.value.recipients["zzzzzz@mail.test"][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(message("x@y"), "a@example.com", [address.replace("mail.test", "other.test")])
        # One good and one bad recipient: the good one gets the message.
        assert set(client.send_message(message(address), "a@example.com", [address, "qqqqqq@mail.test"])) == {
            "qqqqqq@mail.test"}
    assert world.repository.counts() == {"queued": 1}


def test_oversized_messages_are_refused_with_552(world, smtp):
    _, address = world.start("mail_log.yml")
    big = message(address, attachment=("big.bin", b"x" * 80_000))
    with _client(smtp) as client:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # SIZE= in MAIL FROM is over the limit
            client.send_message(big, "a@example.com", [address])
        assert refused.value.smtp_code == 552
    with _client(smtp) as client:                                   # a client that does not say SIZE=
        client.ehlo()
        client.esmtp_features.pop("size", None)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("a@example.com", [address], big.as_string())
        assert refused.value.smtp_code == 552
        assert client.send_message(message(address, subject="small"), "a@example.com", [address]) == {}
    assert [m.summary["subject"] for m in world.repository.in_state("queued")] == ["small"]


def test_malformed_mime_and_long_lines_are_accepted(world, smtp):
    ref, address = world.start("mail_log.yml")
    raw = (f"From: a@x.test\r\nTo: {address}\r\nSubject: broken\r\n"
           "Content-Type: multipart/alternative; boundary=\"gone\"\r\n\r\n" + "y" * 5000 + "\r\n").encode()
    with _client(smtp) as client:
        assert client.sendmail("a@example.com", [address], raw) == {}
    assert world.work() == ["done"]
    assert world.answers(ref)["received"][0]["subject"] == "broken"


def test_storage_failure_is_a_temporary_451(world, smtp, monkeypatch):
    _, address = world.start("mail_log.yml")
    monkeypatch.setattr(world.repository, "store_batch", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with _client(smtp) as client:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            client.send_message(message(address), "a@example.com", [address])
        assert failed.value.smtp_code == 451


def test_a_port_in_use_is_a_clear_error(world):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match="CHAMBERS_SMTP_PORT"):
            MailServer(world.inbox, world.dispatcher, host="127.0.0.1", port=port, sweep_interval=60).start()
