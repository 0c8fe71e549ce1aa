"""From arrival to incoming_email: queueing, keeping, retries, dead letters, recovery, exactly once."""
import datetime
import io

import pytest

from chambers import clock
from chambers.mail import command
from chambers.mail.delivery import NO_EVENT, NOT_OPENABLE

from .conftest import BROWSER, message

NOW = datetime.datetime(2025, 5, 5, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def frozen():
    with clock.frozen_at(NOW):
        yield


def _only(world):
    [stored] = world.repository.in_state("queued") + world.repository.in_state("kept") + \
        world.repository.in_state("done") + world.repository.in_state("retry") + world.repository.in_state("dead")
    return stored


def test_email_to_case_runs_incoming_email_as_the_address_owner(world):
    ref, address = world.start("email-to-case.yml")
    reply = world.deliver(message(address, subject="Case 12"), address)
    assert reply.startswith("250")
    assert len(world.sent) == 1 and world.repository.get(world.sent[0]).state == "queued"
    assert world.work() == ["done"]
    email = world.answers(ref)["email"]
    assert email.subject == "Case 12" and email.from_address.address == "ann@example.com"
    screen = world.service.view(ref, BROWSER).screen
    assert screen.question.strip() == "E-mails received"
    assert "Subject: Case 12" in screen.subquestion


def test_the_run_has_the_owners_identity_and_the_worker_interface(world):
    ref, address = world.start("mail_log.yml")
    world.deliver(message(address, subject="who"), address)
    world.work()
    [entry] = world.answers(ref)["received"]
    assert entry == {"subject": "who", "sender": "ann@example.com", "who": "browser-1", "logged_in": False,
                     "where": "worker"}


def test_a_session_without_incoming_email_keeps_the_mail(world):
    ref, address = world.start("email-to-case-simple.yml")
    assert world.deliver(message(address, subject="Just keep it"), address).startswith("250")
    assert world.sent == []
    stored = _only(world)
    assert (stored.state, stored.note) == ("kept", NO_EVENT)
    screen = world.service.view(ref, BROWSER).screen
    assert "Subject lines of all e-mails sent\nto " + address.split("@")[0] + ":" in screen.subquestion
    assert "* Just keep it" in screen.subquestion


def test_a_session_that_is_not_multi_user_keeps_the_mail_and_says_why(world, caplog):
    ref, address = world.start("mail_private.yml")
    assert world.deliver(message(address), address).startswith("250")
    stored = _only(world)
    assert (stored.state, stored.note) == ("kept", NOT_OPENABLE)
    assert "not multi_user" in caplog.text
    assert world.sent == [] and world.answers(ref)["received"] == []


def test_failures_are_retried_then_kept_as_dead_letters_and_can_be_retried(world):
    ref, address = world.start("mail_log.yml")
    world.deliver(message(address, subject="fail once more"), address)
    assert world.work() == ["retry"]
    for _ in range(2):
        world.dispatcher.sweep()
        world.work()
    stored = _only(world)
    assert (stored.state, stored.attempts) == ("dead", 3)
    assert "ValueError: this interview cannot take fail once more" in stored.note
    out = io.StringIO()
    command.list_dead_letters(world.repository, out)
    assert f"{stored.id}\t" in out.getvalue() and "fail once more" in out.getvalue() and "ValueError" in out.getvalue()
    assert command.retry(world.repository, stored.id, io.StringIO()) == 0
    assert world.repository.get(stored.id).state == "retry"
    assert command.retry(world.repository, stored.id, io.StringIO()) == 1    # not dead any more
    assert command.retry(world.repository, 999999, io.StringIO()) == 1
    world.dispatcher.sweep()
    assert world.work() == ["retry"] and world.repository.get(stored.id).attempts == 1
    assert world.answers(ref)["received"] == []


def test_a_message_whose_worker_died_runs_again_once(world, frozen):
    ref, address = world.start("mail_log.yml")
    world.deliver(message(address, subject="survivor"), address)
    [message_id] = world.sent
    world.sent.clear()
    assert world.repository.claim(message_id) is not None          # a worker took it ... and died
    assert world.dispatcher.sweep() == {"released": 0, "sent": 0}   # its lease has not run out yet
    clock.advance(seconds=5)
    assert world.dispatcher.sweep() == {"released": 1, "sent": 1}
    assert world.work() == ["done"]
    assert [e["subject"] for e in world.answers(ref)["received"]] == ["survivor"]
    assert world.repository.get(message_id).attempts == 2


def test_a_worker_dying_after_the_save_does_not_apply_the_mail_twice(world, frozen, monkeypatch):
    ref, address = world.start("mail_log.yml")
    world.deliver(message(address, subject="once"), address)
    real_finish = world.repository.finish

    def die(*args, **kwargs):
        raise SystemExit("the worker process was killed")

    monkeypatch.setattr(world.repository, "finish", die)
    with pytest.raises(SystemExit):
        world.work()
    monkeypatch.setattr(world.repository, "finish", real_finish)
    assert [e["subject"] for e in world.answers(ref)["received"]] == ["once"]
    clock.advance(seconds=5)
    world.dispatcher.sweep()
    assert world.work() == ["done"]
    assert [e["subject"] for e in world.answers(ref)["received"]] == ["once"]


def test_a_stalled_message_that_used_up_its_attempts_is_dead(world, frozen):
    world.start("mail_log.yml")
    _, address = world.start("mail_log.yml")
    world.deliver(message(address), address)
    [message_id] = world.sent
    for _ in range(3):
        world.repository.claim(message_id)
        clock.advance(seconds=5)
        world.dispatcher.sweep()
    assert world.repository.get(message_id).state == "dead"


def test_duplicate_wakeups_run_a_message_once(world):
    ref, address = world.start("mail_log.yml")
    world.deliver(message(address), address)
    world.sent.append(world.sent[0])
    assert world.work() == ["done", "skipped"]
    assert len(world.answers(ref)["received"]) == 1


def test_mail_for_a_deleted_session_is_deleted_with_it(world):
    ref, address = world.start("mail_log.yml")
    world.deliver(message(address), address)
    world.service.delete(ref.session_id)
    assert world.work() == ["skipped"]
    assert world.repository.counts() == {}
    assert world.inbox.refusal(address).startswith("550 5.1.1")


def test_one_envelope_to_two_addresses_stores_a_copy_for_each(world):
    one_ref, one = world.start("mail_log.yml")
    two_ref, two = world.start("email-to-case-simple.yml")
    reply = world.deliver(message(f"{one}, {two}"), [one, two.upper(), one])
    assert reply.startswith("250") and reply.count("#") == 2
    world.work()
    assert len(world.answers(one_ref)["received"]) == 1
    assert world.repository.counts() == {"done": 1, "kept": 1}


def test_refusals(world):
    _, address = world.start("mail_log.yml")
    code = address.split("@")[0]
    assert world.inbox.refusal(address) is None
    assert world.inbox.refusal(f"<{code.upper()}@MAIL.TEST>") is None
    assert world.inbox.refusal(f"{code}@elsewhere.test").startswith("550 5.1.2")
    assert world.inbox.refusal("zzzzzz@mail.test").startswith("550 5.1.1")
    assert world.inbox.refusal("not-a-code@mail.test").startswith("550 5.1.1")
    assert world.inbox.refusal("no-at-sign").startswith("550")
    assert world.deliver(message("zzzzzz@mail.test"), "zzzzzz@mail.test").startswith("550")


def test_oversized_messages_are_refused_without_storing(world):
    _, address = world.start("mail_log.yml")
    world.inbox.max_bytes = 10_000
    big = message(address, attachment=("big.bin", b"x" * 20_000))
    assert world.deliver(big, address).startswith("552")
    assert world.repository.counts() == {}


def test_a_storage_failure_answers_451_and_stores_nothing(world, monkeypatch):
    _, address = world.start("mail_log.yml")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(world.repository, "store_batch", broken)
    assert world.deliver(message(address), address).startswith("451")
    assert world.sent == []


def test_malformed_mime_is_stored_raw_and_still_delivered(world):
    ref, address = world.start("mail_log.yml")
    raw = (f"From: a@x.test\r\nTo: {address}\r\nSubject: broken mime\r\n"
           "Content-Type: multipart/mixed; boundary=\"missing\"\r\n\r\nno boundary here \xff\r\n").encode("latin-1")
    assert world.deliver(raw, address).startswith("250")
    [message_id] = world.sent
    assert world.work() == ["done"]
    assert world.repository.raw(message_id).endswith(raw)
    assert world.repository.get(message_id).summary["problems"]
    assert world.answers(ref)["received"][0]["subject"] == "broken mime"
