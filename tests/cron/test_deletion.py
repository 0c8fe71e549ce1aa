"""``cron_daily`` first deletes sessions nobody saved for more than ``interview delete days``."""
import datetime

from chambers import clock
from chambers.cron.expiry import delete_inactive
from chambers.store.sessions import SessionIndex

from .conftest import WEB

KEEPS_ITSELF_ALIVE = """\
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Waiting.
buttons:
  - Leave: leave
---
event: cron_daily
code: |
  checked = True
  response()
"""

SAVES_NOTHING = KEEPS_ITSELF_ALIVE.replace("  checked = True\n  response()", "  response(null=True)")

PLAIN = """\
mandatory: True
question: Hello.
buttons:
  - Leave: leave
"""


def test_inactive_sessions_are_deleted_whatever_their_flags(world):
    w = world({"alive.yml": KEEPS_ITSELF_ALIVE, "quiet.yml": SAVES_NOTHING, "plain.yml": PLAIN})
    alive, quiet, plain = w.start("alive.yml"), w.start("quiet.yml"), w.start("plain.yml")
    w.service.sessions.create("e" * 32, "plain.yml", b"encrypted answers", encrypted=True,
                              index=SessionIndex(allow_cron=True, multi_user=True, events=frozenset({"cron_daily"})))
    clock.advance(days=45)
    assert w.cron().deleted_inactive == 0
    clock.advance(days=45)                          # exactly 90 days: not yet "more than 90"
    assert w.cron().deleted_inactive == 0
    clock.advance(days=1)
    report = w.cron()
    assert report.deleted_inactive == 3             # quiet (allow_cron, but it never saved), plain, encrypted
    assert w.exists(alive) and not w.exists(quiet) and not w.exists(plain)
    assert not w.service.sessions.exists("e" * 32)
    assert report.counts == {"ran": 1}


def test_only_cron_daily_deletes(world):
    w = world({"plain.yml": PLAIN})
    plain = w.start("plain.yml")
    clock.advance(days=200)
    assert w.cron("cron_weekly").deleted_inactive == 0
    assert w.cron("cron_daily_background").deleted_inactive == 0
    assert w.exists(plain)


def test_zero_days_turns_deletion_off(world):
    w = world({"plain.yml": PLAIN}, delete_days=0)
    plain = w.start("plain.yml")
    clock.advance(days=2000)
    assert w.cron().deleted_inactive == 0 and w.exists(plain)


def test_the_setting_comes_from_the_environment(monkeypatch):
    from chambers.config import Settings
    monkeypatch.setenv("CHAMBERS_INTERVIEW_DELETE_DAYS", "30")
    assert Settings().interview_delete_days == 30
    monkeypatch.delenv("CHAMBERS_INTERVIEW_DELETE_DAYS")
    assert Settings().interview_delete_days == 90


def test_a_session_saved_after_it_was_listed_is_kept(world):
    """The DELETE repeats the age test, so a save racing the clean-up wins."""
    w = world({"plain.yml": PLAIN})
    refs = [w.start("plain.yml") for _ in range(3)]
    clock.advance(days=100)
    w.service.view(refs[1], WEB)
    cutoff = clock.now() - datetime.timedelta(days=90)
    assert delete_inactive(w.db, cutoff, chunk=1) == 2
    assert [w.exists(r) for r in refs] == [False, True, False]
