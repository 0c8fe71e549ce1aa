"""The handle ``background_action()`` returns, stored in the answers; and ``BackgroundAction``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .context import current

FINISHED = frozenset({"succeeded", "failed", "revoked", "lost"})


@dataclass
class TaskResult:
    """What a background action ended with (``task.result()``)."""
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    error_trace: str | None = None
    variables: list[str] | None = None

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> "TaskResult":
        state = state or {}
        return cls(value=state.get("value"), error_type=state.get("error_type"),
                   error_message=state.get("error_message"), error_trace=state.get("error_trace"),
                   variables=state.get("variables"))

    @property
    def ok(self) -> bool:
        return self.error_type is None


class BackgroundTask:
    """A background action's handle.  Only its id is saved; everything else is asked of the store."""

    def __init__(self, task_id: str):
        self.task_id = task_id
        self._final: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "_final": self._final}

    def _state(self) -> dict[str, Any] | None:
        if self._final is not None:
            return self._final
        run = current()
        state = run.services.task_state(run, self.task_id)
        if state and state.get("state") in FINISHED:
            self._final = state
        return state

    def ready(self) -> bool:
        """True once the action has finished (never blocks)."""
        state = self._state()
        return bool(state and state.get("state") in FINISHED)

    def wait(self, timeout: float | None = None) -> TaskResult:
        if not self.ready():
            run = current()
            state = run.services.wait_for_task(run, self.task_id, timeout)
            if state and state.get("state") in FINISHED:
                self._final = state
        return TaskResult.from_state(self._final)

    def result(self) -> TaskResult:
        return self.wait()

    def get(self, timeout: float | None = None) -> Any:
        return self.wait(timeout).value

    def failed(self) -> bool:
        return self.wait().error_type is not None

    def revoke(self, terminate: bool = True) -> None:
        current().services.revoke_task(self.task_id, terminate)

    @property
    def state(self) -> str:
        state = self._state()
        return state.get("state", "unknown") if state else "unknown"

    @property
    def progress(self) -> float | None:
        state = self._state()
        return state.get("progress") if state else None

    @property
    def progress_message(self) -> str | None:
        state = self._state()
        return state.get("progress_message") if state else None

    def __repr__(self) -> str:
        return f"BackgroundTask({self.task_id!r})"


class BackgroundAction:
    """``objects: - bg: BackgroundAction``; ``bg.run('event', ...)`` returns the result once ready,
    showing a waiting spinner (``command('wait')``) until then."""

    def __init__(self, instanceName: str | None = None):
        self.instanceName = instanceName or ""
        self.task: BackgroundTask | None = None

    def run(self, event: str, *args: Any, **arguments: Any) -> Any:
        from .actions import background_action, command, set_save_status
        if self.task is None:
            self.task = background_action(event, *args, **arguments)
            command("wait", sleep=4)
        if not self.task.ready():
            set_save_status("ignore")
            command("wait", sleep=4)
        result = self.task.result()
        self.task = None
        if result.error_type is not None:
            return self.on_failure(result)
        return self.process_response(result.value)

    def on_failure(self, result: TaskResult) -> Any:
        return None

    def process_response(self, value: Any) -> Any:
        return value
