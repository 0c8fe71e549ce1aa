"""Fixtures for the web layer: a Chambers app over a temporary data directory.

docassemble's examples come from the shared ``docassemble_examples`` fixture (tests/conftest.py),
which skips with the reason when ``shared/`` is not beside the repository."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from chambers.config import Settings
from chambers.web.app import create_app
from chambers.wiring import build


class Site:
    """A running app: its Chambers, a browser (TestClient with cookies) and helpers."""

    def __init__(self, chambers, app):
        self.chambers = chambers
        self.app = app
        self.browser = TestClient(app, follow_redirects=True)

    def new_browser(self) -> TestClient:
        return TestClient(self.app, follow_redirects=True)

    def api_key(self, name: str = "tests") -> str:
        return self.chambers.api_keys.create(name)


@pytest.fixture
def site(tmp_path):
    """``site(interviews={name: yaml}, dirs=[...])`` builds an app over those interviews."""
    made = []

    def make(interviews: dict[str, str] | None = None, dirs: list[Path] = ()) -> Site:
        own = tmp_path / "interviews"
        own.mkdir(exist_ok=True)
        for name, text in (interviews or {}).items():
            (own / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        settings = Settings(interview_dirs=[own, *dirs], data_dir=tmp_path / "data")
        settings.secret_key = "test-server-key"
        chambers = build(settings)
        made.append(chambers)
        return Site(chambers, create_app(chambers))

    yield make
    for chambers in made:
        dispose = getattr(chambers.db, "dispose", None)
        if callable(dispose):
            dispose()

