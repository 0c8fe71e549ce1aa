"""The task system: counters of things done once (or N times) in a session, kept in the answers."""
from __future__ import annotations

from .context import current

__all__ = ["task_performed", "task_not_yet_performed", "mark_task_as_performed", "times_task_performed",
           "set_task_counter"]


def _tasks() -> dict[str, int]:
    return current().internal.setdefault("tasks", {})


def task_performed(task: str) -> bool:
    return _tasks().get(task, 0) > 0


def task_not_yet_performed(task: str) -> bool:
    return not task_performed(task)


def mark_task_as_performed(task: str) -> int:
    counters = _tasks()
    counters[task] = counters.get(task, 0) + 1
    return counters[task]


def times_task_performed(task: str) -> int:
    return _tasks().get(task, 0)


def set_task_counter(task: str, times: int) -> None:
    _tasks()[task] = int(times)
