"""Telling open screens that something happened in their session (a task finished, progress).

Published on a Redis channel per session, so whichever web process holds the browser's push
stream delivers it.  Without Redis (tests, tools) a process-local fan-out does the same.
"""
from __future__ import annotations

import json
import queue
import threading
from typing import Any, Protocol

CHANNEL = "chambers:session:"


class Notifier(Protocol):
    def publish(self, session_id: str, message: dict[str, Any]) -> None: ...


class RedisNotifier:
    def __init__(self, client):
        self.client = client

    def publish(self, session_id: str, message: dict[str, Any]) -> None:
        self.client.publish(CHANNEL + session_id, json.dumps(message, default=str))

    def subscribe(self, session_id: str):
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(CHANNEL + session_id)
        return pubsub


class LocalNotifier:
    """In-process fan-out with the same shape as Redis pub/sub (for a single process)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[queue.Queue]] = {}
        self._lock = threading.Lock()

    def publish(self, session_id: str, message: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.get(session_id, []))
        for target in targets:
            target.put(message)

    def subscribe(self, session_id: str) -> "queue.Queue":
        inbox: queue.Queue = queue.Queue()
        with self._lock:
            self._subscribers.setdefault(session_id, []).append(inbox)
        return inbox

    def unsubscribe(self, session_id: str, inbox: "queue.Queue") -> None:
        with self._lock:
            if inbox in self._subscribers.get(session_id, []):
                self._subscribers[session_id].remove(inbox)
