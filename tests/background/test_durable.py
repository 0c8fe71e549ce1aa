"""Task states live in SQL with their timestamps: any process answers a task handle from there,
and a result stays as long as its session (nothing holds it with a time to live)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select, update

from chambers.background.celery_app import make_celery
from chambers.store.db import Database
from chambers.store.models import TaskRow
from chambers.store.tasks import TaskRepository

from .api import fields_of
from .conftest import INTERVIEWS
from .gates import open_gate, wait_until_running

# Another process, with no Redis and no Celery: a SessionService whose task queue is only the
# SQL table.  It runs the interview read-only, so the handles in the answers ask SQL themselves.
ELSEWHERE = """
import json, sys
from pathlib import Path
from chambers.background.queue import TaskQueue
from chambers.config import Settings
from chambers.interview.context import Identity
from chambers.sessions.service import SessionRef
from chambers.store.tasks import TaskRepository
from chambers.wiring import build
data, session, secret, *dirs = sys.argv[1:]
settings = Settings(interview_dirs=[Path(d) for d in dirs], data_dir=Path(data), database_url=None,
                    redis_url=None, secret_key="live-test-key")
chambers = build(settings)
chambers.service.tasks = TaskQueue(TaskRepository(chambers.db), celery=None, notifier=None)
result = chambers.service.execute(SessionRef(session, secret), Identity(), read_only=True)
print(json.dumps({"question": result.screen.question, "subquestion": result.screen.subquestion}))
"""


def elsewhere(embedded, session) -> dict[str, str]:
    shown = subprocess.run([sys.executable, "-c", ELSEWHERE, str(embedded.data_dir), session.session_id,
                            session.ids["secret"], str(INTERVIEWS)], capture_output=True, text=True, check=True)
    screen = json.loads(shown.stdout.strip().splitlines()[-1])
    return {"questionText": screen["question"], **fields_of({"subquestionText": screen["subquestion"]})}


def task_of(embedded, session):
    """The embedded server's repository, read from this process, and the session's one task."""
    tasks = TaskRepository(Database(f"sqlite:///{embedded.data_dir / 'chambers.db'}"))
    with tasks.db.reading() as db_session:
        [task_id] = db_session.scalars(select(TaskRow.id).where(TaskRow.session_id == session.session_id))
    return tasks, tasks.get(task_id)


def test_states_and_timestamps_are_kept_in_sql_and_read_from_any_process(embedded, embedded_api, gate):
    session = embedded_api.start("gated.yml")
    session.answer(gate=str(gate), label="durable")
    wait_until_running(gate, "durable")
    running = elsewhere(embedded, session)
    assert running["questionText"] == "Waiting" and running["state"] == "started"
    open_gate(gate)
    session.wait_for("Done")
    done = elsewhere(embedded, session)
    assert done["questionText"] == "Done"
    assert (done["state"], done["value"], done["ready"]) == ("succeeded", "finished durable", "True")
    tasks, record = task_of(embedded, session)
    assert record.created_at <= record.started_at <= record.finished_at and record.attempts == 1
    tasks.db.dispose()


def test_a_result_does_not_expire(embedded, embedded_api, gate):
    session = embedded_api.start("gated.yml")
    session.answer(gate=str(gate), label="old")
    open_gate(gate)
    session.wait_for("Done")
    tasks, record = task_of(embedded, session)
    years = timedelta(days=3 * 365)
    with tasks.db.transaction() as db_session:   # as if it had finished three years ago
        db_session.execute(update(TaskRow).where(TaskRow.id == record.id).values(
            created_at=record.created_at - years, started_at=record.started_at - years,
            finished_at=record.finished_at - years))
    tasks.db.dispose()
    assert fields_of(session.question())["value"] == "finished old"
    assert elsewhere(embedded, session)["value"] == "finished old"
    # Celery keeps no result anywhere (none could expire): SQL is the only place a result lives.
    conf = make_celery("memory://").conf
    assert conf.task_ignore_result is True and not conf.result_backend
