"""End to end: real mail with smtplib to a running ``chambers serve``, checked through the JSON API."""
from __future__ import annotations

import os
import re
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.live_server import LiveServer

from .conftest import DOMAIN, INTERVIEWS, message

ENV = {"CHAMBERS_MAIL_DOMAIN": DOMAIN, "CHAMBERS_MAIL_LEASE_SECONDS": "2", "CHAMBERS_MAIL_RETRY_SECONDS": "0.2",
       "CHAMBERS_MAIL_ATTEMPTS": "3", "CHAMBERS_MAIL_MAX_BYTES": "300000", "CHAMBERS_CRON": "0"}


@pytest.fixture(scope="module")
def live(tmp_path_factory, docassemble_examples):
    server = LiveServer([INTERVIEWS, docassemble_examples], tmp_path_factory.mktemp("mail-live"), env=ENV,
                        workers=2)
    yield server
    server.stop()


class Api:
    def __init__(self, live: LiveServer):
        self.client = httpx.Client(base_url=live.url, timeout=30, params={"key": live.api_key()})

    def start(self, interview: str) -> dict:
        new = self.client.get("/api/session/new", params={"i": interview}).json()
        return {"i": interview, "session": new["session"], "secret": new["secret"]}

    def question(self, ref: dict) -> dict:
        return self.client.get("/api/session/question", params=ref).json()

    def answer(self, ref: dict, **variables) -> dict:
        response = self.client.post("/api/session", json={**ref, "variables": variables})
        response.raise_for_status()
        return response.json()

    def variables(self, ref: dict) -> dict:
        return self.client.get("/api/session", params=ref).json()

    def wait_for(self, ref: dict, test, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            values = self.variables(ref)
            if test(values):
                return values
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the variables are {values}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def api(live):
    return Api(live)


def address_in(question: dict) -> str:
    found = re.search(r"\b[a-z]{6}@" + re.escape(DOMAIN), question.get("subquestionText", ""))
    assert found, question
    return found.group(0)


def send(live: LiveServer, mail, to: str, sender: str = "bounce@example.com") -> dict:
    with smtplib.SMTP("127.0.0.1", live.smtp_port, timeout=30) as client:
        return client.send_message(mail, sender, [to])


def db_rows(live: LiveServer, query: str, *args) -> list[tuple]:
    with sqlite3.connect(live.data_dir / "chambers.db", timeout=30) as connection:
        return connection.execute(query, args).fetchall()


def test_email_to_case_end_to_end(live, api):
    ref = api.start("email-to-case.yml")
    address = address_in(api.answer(ref, intro_seen=True))
    cases = [
        ("Plain case", dict(text="Just text.")),
        ("HTML case", dict(text=None, html="<p>Only <b>HTML</b></p>")),
        ("With a file", dict(text="See the file.", attachment=("evidence.pdf", b"%PDF-1.4 test"))),
        ("Ünïcödé – 件名 ✓", dict(text="Grüße", reply_to="Help Desk <help@example.com>")),
    ]
    for subject, parts in cases:
        assert send(live, message(address, subject=subject, **parts), address) == {}
        values = api.wait_for(ref, lambda v: (v.get("email") or {}).get("subject") == subject)
        email = values["email"]
        assert email["_class"] == "chambers.mail.emails.DAEmail"
        assert email["to_address"]["elements"][0]["address"] == address
        assert email["from_address"]["address"] == "ann@example.com"
        assert email["return_path"]["address"] == "bounce@example.com"
        screen = api.question(ref)
        assert screen["questionText"] == "E-mails received"
        assert subject in screen["subquestionText"]
        if subject == "Plain case":
            assert "Body text: Just text." in screen["subquestionText"] and email["body_html"] is None
            assert "* Reply to: \n" in screen["subquestionText"] and email["reply_to"]["address"] == ""
        if subject == "HTML case":
            assert email["body_text"] is None and "<b>HTML</b>" in screen["subquestionText"]
        if subject == "With a file":
            assert email["attachment"]["elements"][0]["filename"] == "evidence.pdf"
            assert "evidence.pdf" in screen["subquestionText"]
        if subject.startswith("Ünïcödé"):
            assert email["reply_to"]["address"] == "help@example.com"


def test_email_to_case_simple_lists_subjects(live, api):
    ref = api.start("email-to-case-simple.yml")
    address = address_in(api.answer(ref, intro_seen=True))
    code = address.split("@")[0]
    assert "Subject lines" not in api.question(ref)["subquestionText"]
    for subject in ("First", "Zweite Straße"):
        assert send(live, message(address, subject=subject), address) == {}
    text = api.question(ref)["subquestionText"]     # stored before 250: no waiting needed
    assert f"to {code}:" in text and "First" in text and "Zweite Straße" in text
    assert f"to {address}" not in text
    assert db_rows(live, "SELECT state, note LIKE '%no incoming_email%' FROM mail_messages m JOIN mail_addresses a "
                         "ON a.id = m.address_id WHERE a.code = ?", code) == [("kept", 1), ("kept", 1)]


def test_unknown_recipient_oversized_and_malformed(live, api):
    ref = api.start("mail_log.yml")
    address = address_in(api.question(ref))
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(live, message("qqqqqq@" + DOMAIN), "qqqqqq@" + DOMAIN)
    assert refused.value.recipients["qqqqqq@" + DOMAIN][0] == 550
    big = message(address, subject="too big", attachment=("big.bin", os.urandom(400_000)))
    with pytest.raises(smtplib.SMTPSenderRefused) as too_big:
        send(live, big, address)
    assert too_big.value.smtp_code == 552
    raw = (f"From: a@x.test\r\nTo: {address}\r\nSubject: malformed\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\n\xe9 no parts at all\r\n").encode("latin-1")
    with smtplib.SMTP("127.0.0.1", live.smtp_port, timeout=30) as client:
        assert client.sendmail("a@x.test", [address], raw) == {}
    values = api.wait_for(ref, lambda v: len(v.get("received") or []) == 1)
    assert values["received"][0]["subject"] == "malformed"
    assert [s for (s,) in db_rows(live, "SELECT summary FROM mail_messages WHERE session_id = ?", ref["session"])
            if "subject\": \"too big" in s] == []


def _send_many(live: LiveServer, jobs: list[tuple[str, str]]) -> int:
    with smtplib.SMTP("127.0.0.1", live.smtp_port, timeout=60) as client:
        for address, subject in jobs:
            assert client.send_message(message(address, subject=subject), "flood@example.com", [address]) == {}
    return len(jobs)


def test_a_flood_of_1000_messages_loses_none(live, api):
    sessions = [api.start("mail_log.yml") for _ in range(10)]
    addresses = [address_in(api.question(ref)) for ref in sessions]
    jobs = [(addresses[n % 10], f"flood {n}") for n in range(1000)]
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(lambda k: _send_many(live, jobs[k::8]), range(8))) == 1000
    accepted = time.monotonic() - started
    subjects = set()
    for ref in sessions:
        values = api.wait_for(ref, lambda v: len(v.get("received") or []) >= 100, timeout=240)
        subjects |= {entry["subject"] for entry in values["received"]}
        assert len(values["received"]) == 100
    assert subjects == {subject for _, subject in jobs}
    counts = dict(db_rows(live, "SELECT state, count(*) FROM mail_messages WHERE envelope_from = "
                                "'flood@example.com' GROUP BY state"))
    assert counts == {"done": 1000}, counts
    print(f"1000 messages accepted in {accepted:.1f}s ({1000 / accepted:.0f}/s)")


def test_a_worker_that_dies_while_processing(live, api):
    ref = api.start("mail_log.yml")
    address = address_in(api.question(ref))
    assert send(live, message(address, subject="crash test"), address) == {}
    [(message_id,)] = db_rows(live, "SELECT id FROM mail_messages WHERE session_id = ?", ref["session"])
    marker = live.data_dir / f"crash-{message_id}"
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text()):
        assert time.monotonic() < deadline, "the worker never started the message"
        time.sleep(0.05)
    os.kill(int(marker.read_text()), signal.SIGKILL)       # the pool process running incoming_email
    values = api.wait_for(ref, lambda v: len(v.get("received") or []) >= 1, timeout=60)
    time.sleep(3)                                           # a second run would have had time to land
    values = api.variables(ref)
    assert [e["subject"] for e in values["received"]] == ["crash test"]
    assert db_rows(live, "SELECT state, attempts FROM mail_messages WHERE id = ?", message_id) == [("done", 2)]


def test_dead_letters_are_listed_and_can_be_retried(live, api):
    ref = api.start("mail_log.yml")
    address = address_in(api.question(ref))
    assert send(live, message(address, subject="fail always"), address) == {}
    deadline = time.monotonic() + 60
    while True:
        rows = db_rows(live, "SELECT id, state, attempts FROM mail_messages WHERE session_id = ?", ref["session"])
        if rows and rows[0][1] == "dead":
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.1)
    message_id = rows[0][0]
    assert rows[0][2] == 3
    env = {**os.environ, "CHAMBERS_SECRET_KEY": "live-test-key"}
    cli = [sys.executable, "-m", "chambers.cli", "mail", "--data", str(live.data_dir)]
    listed = subprocess.run(cli + ["dead-letters"], capture_output=True, text=True, env=env, check=True).stdout
    assert re.search(rf"^{message_id}\t.*attempts 3", listed, re.M) and "fail always" in listed
    assert "ValueError: this interview cannot take fail always" in listed
    [(first_death,)] = db_rows(live, "SELECT finished_at FROM mail_messages WHERE id = ?", message_id)
    retried = subprocess.run(cli + ["retry", str(message_id)], capture_output=True, text=True, env=env)
    assert retried.returncode == 0, retried.stderr
    assert "queued again" in retried.stdout
    deadline = time.monotonic() + 30
    while True:   # the running server's sweeper sends it again: three more attempts, then dead again
        [(state, attempts, finished)] = db_rows(live, "SELECT state, attempts, finished_at FROM mail_messages "
                                                      "WHERE id = ?", message_id)
        if state == "dead" and finished is not None and finished > first_death:
            break
        assert time.monotonic() < deadline, (state, attempts)
        time.sleep(0.1)
    assert attempts == 3
    assert api.variables(ref)["received"] == []
