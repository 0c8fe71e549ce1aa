"""A small client of the JSON API for tests: start a session, answer, act, poll until a screen shows."""
from __future__ import annotations

import time
from typing import Any, Callable

import httpx


class Api:
    def __init__(self, url: str, key: str):
        self.client = httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30)

    def start(self, interview: str) -> "ApiSession":
        reply = self.client.get("/api/session/new", params={"i": interview})
        reply.raise_for_status()
        data = reply.json()
        return ApiSession(self.client, interview, data["session"], data["secret"])

    def close(self) -> None:
        self.client.close()


class ApiSession:
    def __init__(self, client: httpx.Client, interview: str, session: str, secret: str):
        self.client = client
        self.ids = {"i": interview, "session": session, "secret": secret}

    @property
    def session_id(self) -> str:
        return self.ids["session"]

    def question(self) -> dict[str, Any]:
        reply = self.client.get("/api/session/question", params=self.ids)
        reply.raise_for_status()
        return reply.json()

    def answer(self, **variables: Any) -> dict[str, Any]:
        reply = self.client.post("/api/session", json={**self.ids, "variables": variables})
        reply.raise_for_status()
        return reply.json()

    def act(self, action: str, **arguments: Any) -> None:
        reply = self.client.post("/api/session/action", json={**self.ids, "action": action, "arguments": arguments})
        reply.raise_for_status()

    def checkin(self, action: str | None = None, **parameters: str) -> list[dict[str, Any]]:
        body: dict[str, Any] = {**self.ids, "parameters": parameters}
        if action:
            body["action"] = action
        reply = self.client.post("/api/session/checkin", json=body)
        reply.raise_for_status()
        return reply.json()["commands"]

    def variables(self) -> dict[str, Any]:
        reply = self.client.get("/api/session", params=self.ids)
        reply.raise_for_status()
        return reply.json()

    def wait_for(self, shows: Callable[[dict[str, Any]], bool] | str, *, timeout: float = 30.0,
                 every: float = 0.02) -> dict[str, Any]:
        """Poll the current question until ``shows`` (a test, or text in its title) holds; that question."""
        test = shows if callable(shows) else (lambda q: shows in q.get("questionText", ""))
        deadline = time.monotonic() + timeout
        while True:
            question = self.question()
            if test(question):
                return question
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was expected; the last was {question}")
            time.sleep(every)


def fields_of(question: dict[str, Any]) -> dict[str, str]:
    """``a=1; b=2`` in a subquestion, as a dict (the test interviews print their state so)."""
    text = question.get("subquestionText", "")
    pairs = (part.strip().split("=", 1) for part in text.split(";") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}
