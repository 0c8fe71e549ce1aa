"""Fixtures for scheduled tasks: interviews in a temporary directory, a Chambers on SQLite, a frozen clock."""
from __future__ import annotations

import datetime
import shutil
import textwrap
from pathlib import Path

import pytest

from chambers import clock
from chambers.config import Settings
from chambers.cron.build import runner_for
from chambers.interview.context import Identity
from chambers.sessions import SessionRef
from chambers.store.outbox import OutboxRepository
from chambers.wiring import build

FIXTURES = Path(__file__).resolve().parent / "interviews"
START = datetime.datetime(2025, 3, 3, 10, 0, tzinfo=datetime.timezone.utc)   # a Monday
WEB = Identity(session_uid="browser-1")
OWNER = Identity(user_id=7, email="owner@example.com", logged_in=True, session_uid="browser-owner")


class CronWorld:
    """A Chambers over some interviews, with a cron runner whose output is collected in ``lines``."""

    def __init__(self, root: Path, interviews: dict[str, str] | None = None, *, delete_days: int = 90,
                 database_url: str | None = None, redis_url: str | None = None):
        self.root = root
        self.dir = root / "interviews"
        self.dir.mkdir(parents=True, exist_ok=True)
        for path in FIXTURES.glob("*.yml"):
            shutil.copy(path, self.dir / path.name)
        for name, source in (interviews or {}).items():
            (self.dir / name).write_text(textwrap.dedent(source))
        self.settings = Settings(interview_dirs=[self.dir], data_dir=root / "data", database_url=database_url,
                                 redis_url=redis_url, secret_key="test-key")
        self.settings.interview_delete_days = delete_days
        self.chambers = build(self.settings)
        self.service = self.chambers.service
        self.db = self.chambers.db
        self.outbox = OutboxRepository(self.db)
        self.lines: list[str] = []
        self.runner = runner_for(self.service, self.settings, output=self.lines.append)

    def start(self, name: str, identity: Identity = WEB) -> SessionRef:
        result = self.service.start(name, identity)
        return SessionRef(result.session_id, result.secret)

    def fill(self, ref: SessionRef, values: dict[str, str], identity: Identity = WEB):
        """Answer screens while they ask for fields in ``values``; the last result."""
        result = self.service.view(ref, identity)
        while result.screen is not None and result.screen.fields and all(
                f.variable in values for f in result.screen.fields if f.variable):
            form = {f.variable: values[f.variable] for f in result.screen.fields if f.variable}
            result = self.service.answer(ref, identity, result.screen.block_name, form)
        return result

    def cron(self, event: str = "cron_daily", period: str | None = None):
        return self.runner.run_pass(event, period)

    def answers(self, ref: SessionRef) -> dict:
        return self.service.variables(SessionRef(ref.session_id, ref.secret, system=True)) if self.exists(ref) else {}

    def exists(self, ref: SessionRef) -> bool:
        return self.service.sessions.exists(ref.session_id)

    def close(self) -> None:
        self.db.dispose()


@pytest.fixture
def frozen():
    """The clock stopped at START (a Monday, 10:00 UTC); tests move it with ``clock.advance``."""
    with clock.frozen_at(START):
        yield START


@pytest.fixture
def world(tmp_path, frozen):
    """``world(interviews={name: yaml}, delete_days=90)``: a CronWorld under tmp_path."""
    made: list[CronWorld] = []

    def make(interviews: dict[str, str] | None = None, **options) -> CronWorld:
        built = CronWorld(tmp_path / f"w{len(made)}", interviews, **options)
        made.append(built)
        return built

    yield make
    for built in made:
        built.close()
