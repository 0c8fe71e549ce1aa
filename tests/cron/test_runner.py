"""One cron pass: who it runs as, which sessions it visits, and what each ending of the event does."""
from chambers import clock
from chambers.sessions import SessionRef
from chambers.store.sessions import SessionIndex

from .conftest import WEB

SETUP = """\
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Set up.
buttons:
  - Leave: leave
"""

IDENTITY = SETUP + """\
---
event: cron_daily
code: |
  seen = dict(email=user_info().email, uid=user_info().session_uid, cron=user_has_privilege('cron'),
              user=user_has_privilege('user'), logged_in=user_logged_in(), interface=interface())
  response('visited ' + str(user_info().email))
"""

ENDINGS = SETUP + """\
---
event: cron_daily
code: |
  touched = True
  if ending == 'null':
    response(null=True)
  if ending == 'exit':
    command('exit')
  if ending == 'restart':
    command('restart')
  if ending == 'empty':
    response()
  if ending == 'broken':
    1 / 0
  if ending == 'question':
    unanswered_question
---
question: Something cron cannot answer
fields:
  - Answer: unanswered_question
"""

CALLBACKS = SETUP + """\
---
event: cron_daily
code: |
  tally = 41
  background_response_action('cron_finish', extra=1)
---
event: cron_finish
code: |
  total = tally + action_argument('extra')
  response('finished with ' + str(total))
"""

LONG_TASK = SETUP + """\
---
event: cron_daily
code: |
  background_action('slow_job', None)
  response()
---
event: slow_job
code: |
  background_response_action('store_result', result=6 * 7)
---
event: store_result
code: |
  job_result = action_argument('result')
  response()
---
event: cron_weekly_background
code: |
  background_response_action('store_weekly', week=action_argument('week') or 'this week')
---
event: store_weekly
code: |
  weekly_result = action_argument('week')
"""

NOT_MULTI_USER = """\
mandatory: True
code: |
  allow_cron = True
---
mandatory: True
question: Private.
buttons:
  - Leave: leave
---
event: cron_daily
code: |
  touched = True
  response()
"""

NO_CRON = SETUP.replace("allow_cron = True", "allow_cron = False") + """\
---
event: cron_daily
code: |
  touched = True
  response()
"""


def test_the_event_runs_as_the_cron_user(world):
    w = world({"identity.yml": IDENTITY})
    ref = w.start("identity.yml")
    report = w.cron()
    assert report.counts == {"ran": 1}
    assert w.answers(ref)["seen"] == {"email": "cron@admin.com", "uid": "cron", "cron": True, "user": False,
                                      "logged_in": True, "interface": "cron"}
    assert w.lines == ["visited cron@admin.com"]             # response text goes to the cron log


def test_only_the_cron_user_holds_the_cron_privilege(world):
    w = world({"identity.yml": IDENTITY})
    ref = w.start("identity.yml")
    w.service.run_action(ref, WEB, "cron_daily")
    assert w.answers(ref)["seen"]["cron"] is False


def _ending(w, ending):
    ref = w.start("endings.yml")
    w.service.set_variables(ref, WEB, {"ending": ending})
    return ref


def test_each_ending(world):
    w = world({"endings.yml": ENDINGS})
    refs = {e: _ending(w, e) for e in ("null", "exit", "restart", "empty", "broken", "question", "leave")}
    before = {e: w.service.sessions.load(r.session_id).version for e, r in refs.items() if e != "exit"}
    clock.advance(hours=1)
    report = w.cron()
    assert report.counts == {"ran": 3, "not saved": 1, "deleted": 2, "error": 1}
    assert not w.exists(refs["exit"]) and not w.exists(refs["restart"])
    for ending in ("empty", "question", "leave"):
        assert w.answers(refs[ending])["touched"] is True
        assert w.service.sessions.load(refs[ending].session_id).version == before[ending] + 1
    assert "touched" not in w.answers(refs["null"])               # response(null=True): nothing saved
    assert w.service.sessions.load(refs["null"].session_id).version == before["null"]
    assert "touched" not in w.answers(refs["broken"])
    assert any("ZeroDivisionError" in line for line in w.lines)
    assert "Empty Response" not in w.lines


def test_background_response_action_runs_at_once_on_the_same_answers(world):
    w = world({"callbacks.yml": CALLBACKS})
    ref = w.start("callbacks.yml")
    w.cron()
    answers = w.answers(ref)
    assert answers["tally"] == 41 and answers["total"] == 42
    assert w.lines == ["finished with 42"]


def test_long_work_goes_to_a_background_action(world):
    from chambers.cron.inline_tasks import InlineTaskQueue
    from chambers.store.tasks import TaskRepository
    w = world({"long.yml": LONG_TASK})
    queue = InlineTaskQueue(TaskRepository(w.db), w.service)
    w.service.tasks = queue
    w.runner.after_session = queue.drain
    ref = w.start("long.yml")
    w.cron()
    assert w.answers(ref)["job_result"] == 42
    report = w.cron("cron_weekly")                      # runs cron_weekly_background as a background action
    assert report.counts == {"ran": 1}
    assert w.answers(ref)["weekly_result"] == "this week"


def test_sessions_cron_may_not_run_are_not_visited(world):
    w = world({"private.yml": NOT_MULTI_USER, "no_cron.yml": NO_CRON, "endings.yml": ENDINGS})
    private = w.start("private.yml")
    no_cron = w.start("no_cron.yml")
    w.service.sessions.create("e" * 32, "endings.yml", b"not even readable", encrypted=True,
                              index=SessionIndex(allow_cron=True, multi_user=True, events=frozenset({"cron_daily"})))
    report = w.cron()
    # allow_cron without multi_user: the answers are encrypted (so not indexed), or at least refused to cron
    assert set(report.counts) <= {"gone"}
    assert "touched" not in w.answers(private) and "touched" not in w.answers(no_cron)
    assert w.service.sessions.cron_candidates("cron_daily") in ([], [private.session_id])


def test_a_session_whose_interview_dropped_the_event_is_skipped(world):
    w = world({"identity.yml": IDENTITY})
    ref = w.start("identity.yml")
    (w.dir / "identity.yml").write_text(SETUP)
    import os
    os.utime(w.dir / "identity.yml", (1, 1))      # a new mtime, so the library reloads it
    report = w.cron()
    assert report.counts == {"skipped": 1}
    assert "seen" not in w.answers(ref)


def test_batches_cover_every_session(world):
    w = world({"identity.yml": IDENTITY})
    refs = [w.start("identity.yml") for _ in range(7)]
    w.runner.batch_size = 3
    report = w.cron()
    assert report.counts == {"ran": 7} and report.batches == 3
    assert all(w.answers(r)["seen"]["cron"] for r in refs)


def test_fan_out_sends_a_batch_of_ids_per_task(world):
    w = world({"identity.yml": IDENTITY})
    refs = sorted(w.start("identity.yml").session_id for _ in range(5))
    sent = []
    w.runner.batch_size = 2
    w.runner.dispatch = lambda event, period, ids: sent.append((event, period, ids))
    report = w.cron()
    assert report.dispatched and report.batches == 3
    assert [ids for _, _, ids in sent] == [refs[0:2], refs[2:4], refs[4:]]
    assert {(e, p) for e, p, _ in sent} == {("cron_daily", "2025-03-03")}
    for event, period, ids in sent:            # what each worker does with its batch
        w.runner.run_batch(event, period, ids)
        w.runner.run_batch(event, period, ids)  # a redelivered batch changes nothing
    assert all(w.answers(SessionRef(s))["seen"]["cron"] for s in refs)


def test_the_celery_batch_task_is_registered():
    from chambers.background.celery_app import app
    from chambers.cron.tasks import CRON_BATCH_TASK
    app.loader.import_default_modules()
    assert CRON_BATCH_TASK in app.tasks
