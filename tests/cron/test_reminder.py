"""The seed's 20-day reminder, end to end, with the clock moved forward."""
import email
import email.policy

from chambers import clock

from .conftest import WEB


def _remind_me(world):
    ref = world.start("filing_reminder.yml")
    result = world.fill(ref, {"date_filed": "2025-03-03", "reminder_address": "pat@example.com"})
    assert result.screen.question.startswith("We will write to pat@example.com")
    return ref


def test_no_mail_on_day_19_one_on_day_21_none_on_day_22(world):
    w = world()
    ref = _remind_me(w)
    clock.advance(days=19)
    report = w.cron()
    assert report.counts == {"ran": 1} and w.outbox.count() == 0
    clock.advance(days=2)
    w.cron()
    assert w.outbox.count() == 1
    clock.advance(days=1)
    w.cron()
    assert w.outbox.count() == 1
    (kept,) = w.outbox.messages()
    assert kept.recipients == ("pat@example.com",) and kept.subject == "Your 20 days are up"
    assert kept.session_id == ref.session_id
    message = email.message_from_bytes(kept.message, policy=email.policy.default)
    assert "It has been 20 days since you filed." in message.get_body(("plain",)).get_content()
    assert "<p>It has been 20 days" in message.get_body(("html",)).get_content()
    assert w.answers(ref)["_internal"]["tasks"] == {"twenty day reminder": 1}


def test_the_same_day_never_runs_twice(world):
    w = world()
    ref = _remind_me(w)
    clock.advance(days=21)
    assert w.cron().counts == {"ran": 1}
    again = w.cron()
    assert again.status == "finished before" and w.outbox.count() == 1
    forced = w.cron(period="by-hand")           # a different period: the session runs, the task stops a 2nd mail
    assert forced.counts == {"ran": 1} and w.outbox.count() == 1
    assert w.answers(ref)["_internal"]["cron_done"]["cron_daily"] == "by-hand"


def test_a_failed_send_does_not_mark_the_task(world):
    w = world()
    ref = _remind_me(w)

    kept_mailer = w.service.mailer

    class Refusing:
        def send(self, message):
            return False

    w.service.mailer = Refusing()
    clock.advance(days=21)
    w.cron()
    assert "twenty day reminder" not in w.answers(ref)["_internal"]["tasks"]
    w.service.mailer = kept_mailer
    clock.advance(days=1)
    w.cron()
    assert w.outbox.count() == 1 and w.answers(ref)["_internal"]["tasks"] == {"twenty day reminder": 1}


def test_a_year_without_a_real_user_ends_the_session(world):
    w = world(delete_days=0)
    ref = _remind_me(w)
    for _ in range(11):                       # monthly passes: cron's own saves do not count as access
        clock.advance(days=31)
        report = w.cron("cron_monthly")
        assert report.counts == {"ran": 1}
        assert w.exists(ref)
    answers = w.answers(ref)["_internal"]
    assert list(answers["accesstime"]) == [-1]        # only the real (anonymous) user was stamped
    assert answers["modtime"] == clock.now()           # ... but cron saved
    clock.advance(days=30)                              # 371 days since the user was last here
    report = w.cron("cron_monthly")
    assert report.counts == {"deleted": 1}
    assert not w.exists(ref)


def test_a_user_visit_keeps_it_alive(world):
    w = world(delete_days=0)
    ref = _remind_me(w)
    clock.advance(days=300)
    w.service.view(ref, WEB)                 # the user comes back
    clock.advance(days=100)
    assert w.cron("cron_monthly").counts == {"ran": 1}
    assert w.exists(ref)
