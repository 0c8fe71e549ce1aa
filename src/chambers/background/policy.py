"""How hard Chambers tries to finish a background action: attempts, stale runs, time limits.

Every process of a cluster reads the same environment variables:

| variable | meaning | default |
|---|---|---|
| ``CHAMBERS_TASK_ATTEMPTS`` | runs of an action whose worker died before it gives up (state ``lost``) | 3 |
| ``CHAMBERS_TASK_STALE_SECONDS`` | a run whose worker stopped renewing its lease this long ago is stale | 30 |
| ``CHAMBERS_TASK_TIME_LIMIT_GRACE`` | seconds after an event's ``time limit`` before its process is killed | 10 |
| ``CHAMBERS_TASK_RETRY_DELAY`` | seconds before the first retry of a failed action (doubling after) | 1 |

An ``event`` block may set ``retries: N`` (run again up to N times after an error, a time-out or a
lost worker) and ``time limit: S`` (seconds).
"""
from __future__ import annotations

import os
from dataclasses import dataclass


def _number(name: str, default: float, *, minimum: float) -> float:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum:g}, not {raw!r}")
    return value


@dataclass(frozen=True)
class TaskPolicy:
    attempts: int = 3
    stale_seconds: float = 30.0
    time_limit_grace: float = 10.0
    retry_delay: float = 1.0

    @classmethod
    def from_env(cls) -> "TaskPolicy":
        return cls(attempts=int(_number("CHAMBERS_TASK_ATTEMPTS", 3, minimum=1)),
                   stale_seconds=_number("CHAMBERS_TASK_STALE_SECONDS", 30, minimum=0.5),
                   time_limit_grace=_number("CHAMBERS_TASK_TIME_LIMIT_GRACE", 10, minimum=0),
                   retry_delay=_number("CHAMBERS_TASK_RETRY_DELAY", 1, minimum=0))

    @property
    def lease_ms(self) -> int:
        """How long a run's lease lives unless its worker renews it (every third of that)."""
        return max(500, int(self.stale_seconds * 1000))

    @property
    def sweep_seconds(self) -> float:
        """How often the reaper looks for stale runs."""
        return max(0.25, min(self.stale_seconds / 2, 10.0))

    def attempts_for(self, retries: int | None) -> int:
        """Runs allowed in all: ``retries`` from the event block, else the configured attempts."""
        return self.attempts if retries is None else 1 + retries

    def retry_countdown(self, attempt: int) -> float:
        return min(self.retry_delay * 2 ** max(0, attempt - 1), 300.0)
