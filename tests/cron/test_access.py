"""last_access_time() and relatives: real users only, measured on the injectable clock."""
import datetime

from chambers import clock

from .conftest import OWNER, START, WEB

ACCESS = """\
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Here.
buttons:
  - Leave: leave
---
event: measure
code: |
  days = last_access_days()
  hours = last_access_hours()
  minutes = last_access_minutes()
  when = last_access_time()
  when_anyone = last_access_time(include_cron=True)
  in_new_york = last_access_time(timezone='America/New_York')
  delta = last_access_delta()
---
event: cron_daily
code: |
  response()
"""


def test_cron_visits_are_not_access(world):
    w = world({"access.yml": ACCESS})
    ref = w.start("access.yml")
    clock.advance(days=2, hours=12)
    w.cron()                                   # cron saves, but is not a user
    cron_saved = clock.now()
    clock.advance(hours=12)
    w.service.run_action(ref, OWNER, "measure")
    answers = w.answers(ref)
    assert answers["days"] == 3.0 and isinstance(answers["days"], float)
    assert answers["hours"] == 72.0 and answers["minutes"] == 72 * 60.0
    assert answers["when"] == START and answers["delta"] == datetime.timedelta(days=3)
    assert answers["when_anyone"] == cron_saved
    assert answers["in_new_york"].utcoffset() == datetime.timedelta(hours=-5)
    assert set(answers["_internal"]["accesstime"]) == {-1, 7}


def test_no_record_means_zero(world):
    from chambers.interview.access import last_access_days, last_access_time
    from chambers.interview.context import Run, activate
    from chambers.interview.namespace import new_answers
    run = Run(interview=None, session_id="x", ns=new_answers(), services=None, identity=WEB)
    with activate(run):
        assert last_access_days() == 0.0 and last_access_time() is None
