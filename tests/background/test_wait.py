"""``task.wait()`` / ``get()`` block until the worker says the task finished: woken by its message,
not by a polling interval."""
from __future__ import annotations

import pickle
import threading
import time

from chambers.background.notify import LocalNotifier
from chambers.background.queue import TaskQueue

from .test_task_store import tasks  # noqa: F401 - the fixture


def test_wait_returns_as_soon_as_the_finish_is_announced(tasks):  # noqa: F811
    notifier = LocalNotifier()
    queue = TaskQueue(tasks, celery=None, notifier=notifier)
    tasks.create("t1", "s1", "work")
    tasks.start("t1")
    announced: list[float] = []

    def worker() -> None:
        time.sleep(0.3)
        tasks.finish("t1", "succeeded", pickle.dumps({"value": 42}))
        announced.append(time.perf_counter())
        notifier.publish("s1", {"task": "t1", "state": "succeeded"})

    threading.Thread(target=worker).start()
    state = queue.wait("t1", timeout=10)
    woken = time.perf_counter() - announced[0]
    assert (state["state"], state["value"]) == ("succeeded", 42)
    assert woken < 0.5          # not the 1 s safety re-read: the announcement woke it


def test_wait_gives_up_after_its_timeout(tasks):  # noqa: F811
    queue = TaskQueue(tasks, celery=None, notifier=LocalNotifier())
    tasks.create("t1", "s1", "work")
    started = time.perf_counter()
    assert queue.wait("t1", timeout=0.2)["state"] == "queued"
    assert 0.2 <= time.perf_counter() - started < 1.0
