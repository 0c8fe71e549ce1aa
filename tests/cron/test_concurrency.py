"""Two passes at once never run a session's event twice for the same period."""
import threading

from chambers import clock
from chambers.cron.build import runner_for
from chambers.wiring import build

from .conftest import CronWorld


def _reminders(w: CronWorld, count: int) -> list:
    refs = []
    for number in range(count):
        ref = w.start("filing_reminder.yml")
        w.fill(ref, {"date_filed": "2025-03-03", "reminder_address": f"person{number}@example.com"})
        refs.append(ref)
    return refs


def test_two_passes_started_together_mail_each_person_once(world):
    w = world()
    refs = _reminders(w, 12)
    clock.advance(days=21)
    second = build(w.settings)                   # another process's Chambers over the same database
    runners = [w.runner, runner_for(second.service, w.settings)]
    barrier = threading.Barrier(2)
    reports = [None, None]

    def run(index):
        barrier.wait()
        reports[index] = runners[index].run_pass("cron_daily")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.db.dispose()
    statuses = sorted(r.status for r in reports)
    assert statuses in (["finished before", "ran"], ["ran", "running elsewhere"])
    assert w.outbox.count() == 12
    assert sorted(m.recipients[0] for m in w.outbox.messages()) == sorted(f"person{n}@example.com" for n in range(12))


def test_the_same_batch_twice_at_once_runs_each_session_once(world):
    """A redelivered Celery batch racing the original: the session lock and the period mark."""
    w = world()
    refs = _reminders(w, 10)
    ids = sorted(r.session_id for r in refs)
    clock.advance(days=21)
    second = build(w.settings)                   # its session locks are the first's: the file beside the database
    runners = [w.runner, runner_for(second.service, w.settings)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index):
        barrier.wait()
        results[index] = runners[index].run_batch("cron_daily", "2025-03-24", ids)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.db.dispose()
    assert results[0].counts.get("ran", 0) + results[1].counts.get("ran", 0) == 10
    assert results[0].counts.get("skipped", 0) + results[1].counts.get("skipped", 0) == 10
    assert w.outbox.count() == 10


def test_a_dead_pass_is_taken_over_and_resumed(world):
    w = world()
    refs = _reminders(w, 5)
    clock.advance(days=21)
    ids = sorted(r.session_id for r in refs)
    owner = "dead-process"
    assert w.runner.passes.claim("cron_daily", "2025-03-24", owner, stale_after=w.runner.lease).granted
    w.runner.run_batch("cron_daily", "2025-03-24", ids[:2])             # it got this far, then died
    w.runner.passes.heartbeat("cron_daily", "2025-03-24", owner, cursor=f"cron_daily {ids[1]}")
    assert w.cron().status == "running elsewhere"
    clock.advance(minutes=16)                                            # its lease (15 min) runs out
    report = w.cron(period="2025-03-24")
    assert report.status == "ran" and report.counts == {"ran": 3}
    assert w.outbox.count() == 5
    assert w.runner.passes.get("cron_daily", "2025-03-24").finished
    assert not w.runner.passes.heartbeat("cron_daily", "2025-03-24", owner)   # the dead one lost it
