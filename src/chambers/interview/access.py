"""``last_access_time()`` and its relatives: when a real user last used the session.

The session service stamps ``_internal['accesstime'][user id or -1]`` on every save, except for
the cron user, so these measure real users' inactivity.  ``include_cron=True`` also counts the
latest save of any kind (``_internal['modtime']``), which is when anyone, cron included, last saved.
All times come from :mod:`chambers.clock`, so tests can move time.
"""
from __future__ import annotations

import datetime
from typing import Any

from .. import clock
from .context import current

__all__ = ["last_access_time", "last_access_delta", "last_access_days", "last_access_hours",
           "last_access_minutes"]


def _aware(moment: Any) -> datetime.datetime | None:
    if isinstance(moment, datetime.datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)
    return None


def _wants_cron(include_privileges: Any, include_cron: bool) -> bool:
    if include_cron:
        return True
    wanted = [include_privileges] if isinstance(include_privileges, str) else list(include_privileges or [])
    return "cron" in wanted


def last_access_time(include_privileges: Any = None, exclude_privileges: Any = None, include_cron: bool = False,
                     timezone: str | None = None) -> datetime.datetime | None:
    """The latest access by a real user (or by anyone, with ``include_cron``); None if there is none."""
    internal = current().internal
    moments = [_aware(value) for value in (internal.get("accesstime") or {}).values()]
    if _wants_cron(include_privileges, include_cron):
        moments.append(_aware(internal.get("modtime")))
    moments = [m for m in moments if m is not None]
    if not moments:
        return None
    latest = max(moments)
    if timezone:
        from zoneinfo import ZoneInfo
        return latest.astimezone(ZoneInfo(timezone))
    return latest


def last_access_delta(*args: Any, **kwargs: Any) -> datetime.timedelta:
    latest = last_access_time(*args, **kwargs)
    if latest is None:
        return datetime.timedelta(0)
    return clock.now() - latest


def last_access_days(*args: Any, **kwargs: Any) -> float:
    return last_access_delta(*args, **kwargs).total_seconds() / 86400.0


def last_access_hours(*args: Any, **kwargs: Any) -> float:
    return last_access_delta(*args, **kwargs).total_seconds() / 3600.0


def last_access_minutes(*args: Any, **kwargs: Any) -> float:
    return last_access_delta(*args, **kwargs).total_seconds() / 60.0
