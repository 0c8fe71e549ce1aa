"""The page's check-in action runs on the event loop when it can start at once, in a worker
thread when its session is busy (it then waits for the lock) or when the action has proved slow."""
from __future__ import annotations

import re
import time

import pytest

from chambers.sessions.service import SessionRef
from chambers.web import checkin as checkin_routes
from chambers.web.cookies import COOKIE_NAME

from ..holding import held_elsewhere

COUNTING = """
mandatory: True
code: |
  counter = 0
  threads = []
---
mandatory: True
question: Your name?
fields:
  - Name: name
check in: count
---
event: count
code: |
  import threading, time
  threads.append(threading.current_thread().name)
  if action_argument('name') == 'slow':
    time.sleep(0.03)
  counter += 1
"""


class Page:
    """A browser on count.yml: its CSRF token and its session."""

    def __init__(self, site):
        self.site, self.browser = site, site.browser
        page = self.browser.get("/interview?i=count.yml&new=1")
        self.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
        state = site.app.state.web.cookies.loads(self.browser.cookies[COOKIE_NAME])
        self.session_id, self.secret = state["s"]["count.yml"]

    def check_in(self, name: str = "x"):
        reply = self.browser.post("/checkin?i=count.yml", json={"action": "count", "parameters": {"name": name}},
                                  headers={"X-CSRF-Token": self.csrf})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def saved(self, name: str):
        return self.site.chambers.service.variables(SessionRef(self.session_id, self.secret))[name]


@pytest.fixture
def page(site, monkeypatch):
    monkeypatch.setattr(checkin_routes, "LOOP_ACTIONS", checkin_routes.LoopActions(slow_seconds=0.02, strikes=2))
    return Page(site(interviews={"count.yml": COUNTING}))


def test_an_action_runs_on_the_event_loop_and_its_changes_are_saved(page):
    for _ in range(3):
        assert page.check_in() == {"success": True, "commands": []}
    assert page.saved("counter") == 3
    assert not any(name.startswith("AnyIO worker") for name in page.saved("threads"))


def test_a_check_in_whose_session_is_busy_waits_for_it_in_a_worker_thread(page):
    with held_elsewhere(page.site.chambers.service.locks, page.session_id, 0.3) as freed_at:
        page.check_in()
        answered = time.perf_counter()
    assert answered >= freed_at[0]                    # waited for the holder, then ran (no 503)
    assert page.saved("counter") == 1
    assert page.saved("threads")[-1].startswith("AnyIO worker")


def test_an_action_that_keeps_being_slow_moves_to_a_worker_thread(page):
    page.check_in("slow")
    page.check_in("slow")                             # the second slow run on the loop: its last there
    page.check_in("quick")
    threads = page.saved("threads")
    assert [name.startswith("AnyIO worker") for name in threads] == [False, False, True]
    assert page.saved("counter") == 3
