"""Cron and incoming e-mail skip encrypted sessions (and say why); background tasks get the key only
for their life, and it is never in the task's SQL row."""
import logging
import pickle

import pytest

from chambers.cron.build import runner_for
from chambers.cron.identity import CRON_USER
from chambers.cron.inline_tasks import InlineTaskQueue
from chambers.cron.session_run import GONE, run_event
from chambers.sessions import SessionRef, crypto
from chambers.sessions.background import BackgroundJob, run_background_action
from chambers.store.tasks import TaskRepository

from .conftest import FACT, SHARE_THEN_FACT, WEB


def test_cron_skips_an_encrypted_session_and_says_why(site, caplog):
    caplog.set_level(logging.INFO)
    s = site()
    ref = s.start("cronned.yml")
    s.answer_fact(ref)
    assert s.session_row(ref.session_id)["encrypted"] is True
    assert "sets allow_cron but is encrypted at rest" in caplog.text
    assert s.service.sessions.cron_candidates("cron_daily") == []
    report = runner_for(s.service, s.chambers.settings, output=lambda line: None).run_pass("cron_daily")
    assert not report.counts.get("ran")
    caplog.clear()
    # Even named directly (a stale index, a hand-made batch), cron cannot open it.
    result = run_event(s.service, ref.session_id, "cron_daily", "2025-01-01")
    assert result.status == GONE
    assert "is encrypted at rest, so it is skipped" in caplog.text
    assert "touched" not in s.service.variables(ref)
    assert FACT not in caplog.text


def test_incoming_email_cannot_open_an_encrypted_session(site, caplog):
    """The mail worker's job carries no secret (as docassemble's): it ends without touching it."""
    caplog.set_level(logging.INFO)
    s = site()
    ref = s.start("private.yml")
    s.answer_fact(ref)
    job = BackgroundJob(session_id=ref.session_id, event="incoming_email", arguments={"id": 1},
                        identity=WEB, secret=None, task_id="t" * 32, interview="private.yml")
    from chambers.sessions import AccessDenied
    with pytest.raises(AccessDenied):
        run_background_action(s.service, job)
    assert "cannot be opened by cron or incoming e-mail" in caplog.text


def test_the_mail_inbox_keeps_mail_for_an_encrypted_session(tmp_path, caplog):
    mail = pytest.importorskip("tests.mail.conftest")
    world = mail.MailWorld(tmp_path, [mail.INTERVIEWS])
    try:
        ref, address = world.start("mail_private.yml")
        assert world.service.sessions.load(ref.session_id).encrypted is True
        assert world.deliver(mail.message(address), address).startswith("250")
        assert world.sent == []                      # kept, not run
        assert "encrypted" in caplog.text
    finally:
        world.close()


def test_a_background_task_holds_the_secret_only_sealed_and_only_while_it_lives(site):
    s = site()
    queue = InlineTaskQueue(TaskRepository(s.chambers.db), s.service)
    s.service.tasks = queue
    ref = s.start("background.yml")
    s.answer_fact(ref)                                   # launches the task
    [task_id] = queue._celery.pending
    record = queue.repository.get(task_id)
    assert ref.secret.encode() not in record.job and FACT.encode() not in record.job
    job = pickle.loads(record.job)
    assert crypto.is_job_token(job.secret) and ref.secret not in job.secret
    assert crypto.open_job_secret(job.secret, queue.job_keys) == ref.secret
    queue.drain()                                        # the worker runs it; its callback saves
    assert s.service.variables(ref)["result"] == FACT + "!"
    assert queue.state(task_id)["state"] == "succeeded"  # seen finished: its key is dropped
    assert crypto.open_job_secret(job.secret, queue.job_keys) is None
    with pytest.raises(Exception):
        s.service.variables(SessionRef(ref.session_id, job.secret))


def test_a_task_whose_key_expired_cannot_open_the_session(site, caplog):
    s = site()
    queue = InlineTaskQueue(TaskRepository(s.chambers.db), s.service)
    s.service.tasks = queue
    ref = s.start("background.yml")
    s.answer_fact(ref)
    [task_id] = queue._celery.pending
    queue.job_keys.drop(task_id)
    queue.drain()
    state = queue.state(task_id)
    assert state["state"] in {"failed", "succeeded"}
    assert state["error_message"] == "the result was dropped: the key to seal it with is gone"  # nothing of the run
    assert "result" not in s.service.variables(ref)
    assert "its key has expired or was dropped" in caplog.text


def test_redis_job_keys_expire():
    keys = crypto.RedisJobKeys(_FakeRedis())
    token = crypto.seal_job_secret("abc", "task1", keys, ttl=60)
    assert keys.client.ttl["chambers:job-key:task1"] == 60
    assert crypto.open_job_secret(token, keys) == "abc"
    keys.drop("task1")
    assert crypto.open_job_secret(token, keys) is None


class _FakeRedis:
    def __init__(self):
        self.data, self.ttl = {}, {}

    def set(self, name, value, ex=None):
        self.data[name], self.ttl[name] = value, ex

    def get(self, name):
        return self.data.get(name)

    def delete(self, name):
        self.data.pop(name, None)


def test_the_cron_user_is_the_one_with_the_cron_privilege():
    assert CRON_USER.privileges == {"cron"} and CRON_USER.logged_in


ECHO = SHARE_THEN_FACT + """---
mandatory: True
code: |
  the_task = background_action('echo', None, fact=secret_fact)
  launched
---
event: launched
question: Launched
---
event: echo
code: |
  background_response(action_argument('fact') + '?')
"""


def _echo_task(site, share: bool):
    s = site({"echo.yml": ECHO})
    queue = InlineTaskQueue(TaskRepository(s.chambers.db), s.service)
    s.service.tasks = queue
    ref = s.start("echo.yml")
    screen = s.service.view(ref, WEB).screen
    s.service.answer(ref, WEB, screen.block_name, {screen.yesno_field: str(share)})
    s.answer_fact(ref)
    [task_id] = queue._celery.pending
    queue.drain()
    return s, queue, ref, task_id


def test_an_encrypted_sessions_task_keeps_its_arguments_and_result_sealed(site):
    s, queue, ref, task_id = _echo_task(site, share=False)
    record = queue.repository.get(task_id)
    assert FACT.encode() not in record.job and FACT.encode() not in record.result
    assert pickle.loads(record.job).arguments == {} and crypto.is_sealed(record.result)
    assert queue.state(task_id, ref.secret)["value"] == FACT + "?"
    assert "value" not in queue.state(task_id)                     # without the key: only that it is sealed
    # Re-keyed with the session (as a password change does), the result opens with the new key only.
    from chambers.store import session_keys
    row = s.session_row(ref.session_id)
    session_keys.rewrite_now(s.chambers.db, ref.session_id, row["version"],
                             crypto.recoder(ref.session_id, ref.secret, "a-new-secret"),
                             secret_check=s.service.secret_check(ref.session_id, "a-new-secret"))
    assert queue.state(task_id, "a-new-secret")["value"] == FACT + "?"
    with pytest.raises(crypto.CorruptAnswers):
        queue.state(task_id, ref.secret)


def test_a_multi_user_sessions_task_is_stored_in_clear(site):
    s, queue, ref, task_id = _echo_task(site, share=True)
    record = queue.repository.get(task_id)
    assert not crypto.is_sealed(record.result)
    assert pickle.loads(record.job).arguments == {"fact": FACT}
    assert queue.state(task_id)["value"] == FACT + "?"
