"""Accounts and encryption at rest: a Chambers over a few interviews, browsers, and helpers."""
from __future__ import annotations

import re
import textwrap

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from chambers.config import Settings
from chambers.interview.context import Identity
from chambers.sessions import SessionRef
from chambers.store.models import InterviewSessionRow, SessionStepRow
from chambers.web.app import create_app
from chambers.web.cookies import COOKIE_NAME, BrowserState
from chambers.wiring import build

WEB = Identity(session_uid="browser-1")
FACT = "Zanzibar-7731"          # an answer that must never be stored (or logged) in clear

PRIVATE = """
metadata:
  title: Private notes
---
mandatory: True
question: |
  Saved: ${ secret_fact }
buttons:
  - Exit: exit
  - Leave: leave
    url: /exited
---
question: What is your secret fact?
fields:
  - Fact: secret_fact
"""

SHARE_THEN_FACT = """
mandatory: True
code: |
  multi_user = share
---
question: Share this session?
yesno: share
---
question: Your fact?
fields:
  - Fact: secret_fact
"""   # an interview's first blocks: whether to share (multi_user), then the secret fact

SHARING = """
metadata:
  title: Sharing
---""" + SHARE_THEN_FACT + """---
mandatory: True
question: |
  Done: ${ secret_fact }
"""

CRONNED = """
metadata:
  title: Reminders
---
mandatory: True
code: |
  allow_cron = True
---
question: Your fact?
fields:
  - Fact: secret_fact
---
mandatory: True
question: |
  Noted ${ secret_fact }
---
event: cron_daily
code: |
  touched = True
  response()
"""

BACKGROUND = """
metadata:
  title: Background
---
mandatory: True
code: |
  secret_fact
  if not launched:
    the_task = background_action('work', None, n=2)
    launched = True
---
code: |
  launched = False
---
question: Your fact?
fields:
  - Fact: secret_fact
---
mandatory: True
question: |
  Result ${ result if defined('result') else 'pending' }
---
event: work
code: |
  background_response_action('store', value=secret_fact + '!')
---
event: store
code: |
  result = action_argument('value')
  background_response()
"""

INTERVIEWS = {"private.yml": PRIVATE, "sharing.yml": SHARING, "cronned.yml": CRONNED, "background.yml": BACKGROUND}


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Real argon2id, at a cost tests can afford (the cost is stored with each hash and salt)."""
    monkeypatch.setenv("CHAMBERS_ARGON2_TIME", "1")
    monkeypatch.setenv("CHAMBERS_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("CHAMBERS_ARGON2_PARALLELISM", "1")


class Site:
    def __init__(self, chambers):
        self.chambers = chambers
        self.service = chambers.service
        self.app = create_app(chambers)

    def browser(self) -> TestClient:
        return TestClient(self.app, follow_redirects=True)

    def ref_of(self, browser: TestClient, name: str) -> SessionRef:
        request = type("R", (), {"cookies": {COOKIE_NAME: browser.cookies.get(COOKIE_NAME)}})()
        state = BrowserState.load(request, self.app.state.web.cookies)
        ref = state.ref_for(name)
        assert ref is not None
        return ref

    def steps_data(self, session_id: str) -> list[bytes]:
        with self.chambers.db.reading() as session:
            return [bytes(d) for d in session.scalars(select(SessionStepRow.data)
                                                       .where(SessionStepRow.session_id == session_id)
                                                       .order_by(SessionStepRow.step))]

    def session_row(self, session_id: str) -> dict:
        with self.chambers.db.reading() as session:
            row = session.get(InterviewSessionRow, session_id)
            return {c.name: getattr(row, c.name) for c in InterviewSessionRow.__table__.columns} if row else {}

    def start(self, name: str, identity: Identity = WEB, **kwargs) -> SessionRef:
        result = self.service.start(name, identity, **kwargs)
        return SessionRef(result.session_id, result.secret)

    def answer_fact(self, ref: SessionRef, identity: Identity = WEB, fact: str = FACT):
        screen = self.service.view(ref, identity).screen
        return self.service.answer(ref, identity, screen.block_name, {"secret_fact": fact})


@pytest.fixture
def site(tmp_path):
    made = []

    def make(interviews: dict[str, str] | None = None) -> Site:
        own = tmp_path / "interviews"
        own.mkdir(exist_ok=True)
        for name, text in (interviews or INTERVIEWS).items():
            (own / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        settings = Settings(interview_dirs=[own], data_dir=tmp_path / "data", database_url=None, redis_url=None,
                            secret_key="test-server-key")
        chambers = build(settings)
        made.append(chambers)
        return Site(chambers)

    yield make
    for chambers in made:
        chambers.db.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html) or re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_up(browser: TestClient, email: str, password: str = "correct horse", **names: str):
    form = browser.get("/signup")
    return browser.post("/signup", data={"_csrf": csrf_of(form.text), "email": email, "password": password,
                                         "password2": password, **names})


def log_in(browser: TestClient, email: str, password: str = "correct horse"):
    form = browser.get("/login")
    return browser.post("/login", data={"_csrf": csrf_of(form.text), "email": email, "password": password})


def answer_page(browser: TestClient, name: str, values: dict[str, str], page=None):
    page = page or browser.get(f"/interview?i={name}")
    question = re.search(r'name="_question_name" value="([^"]+)"', page.text).group(1)
    return browser.post(f"/interview?i={name}", data={"_csrf": csrf_of(page.text), "_question_name": question,
                                                      **values})
