"""The one clock everything reads "now" from, so tests (and cron tests) can move time.

    from chambers import clock
    clock.now()                           # timezone-aware UTC
    with clock.frozen_at(datetime(...)):  # tests
        clock.advance(days=21)

Naive datetimes given to the clock are taken as UTC.
"""
from __future__ import annotations

import datetime as _dt
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

__all__ = ["UTC", "now", "today", "set_clock", "reset", "advance", "frozen_at"]

UTC = _dt.timezone.utc
Source = Callable[[], _dt.datetime]


def _system_now() -> _dt.datetime:
    return _dt.datetime.now(UTC)


def _aware(moment: _dt.datetime) -> _dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_lock = threading.Lock()
_source: Source = _system_now
_offset = _dt.timedelta(0)


def now() -> _dt.datetime:
    """The current time, timezone-aware (UTC unless an installed source says otherwise)."""
    with _lock:
        source, offset = _source, _offset
    return _aware(source()) + offset


def today() -> _dt.date:
    """Today's date in UTC."""
    return now().astimezone(UTC).date()


def set_clock(source: Source | None) -> None:
    """Read time from ``source`` (None: the system clock again); any :func:`advance` offset is cleared."""
    global _source, _offset
    with _lock:
        _source = source or _system_now
        _offset = _dt.timedelta(0)


def reset() -> None:
    """The real system clock, with no offset."""
    set_clock(None)


def advance(delta: _dt.timedelta | None = None, **units: float) -> _dt.datetime:
    """Move the clock forward (``advance(days=21)``, ``advance(timedelta(hours=1))``); return the new now."""
    global _offset
    step = (delta or _dt.timedelta(0)) + _dt.timedelta(**units)
    with _lock:
        _offset += step
    return now()


@contextmanager
def frozen_at(moment: _dt.datetime) -> Iterator[_dt.datetime]:
    """Stop the clock at ``moment`` (advance() still moves it); the previous clock comes back after."""
    global _source, _offset
    fixed = _aware(moment)
    with _lock:
        saved = (_source, _offset)
        _source, _offset = (lambda: fixed), _dt.timedelta(0)
    try:
        yield fixed
    finally:
        with _lock:
            _source, _offset = saved
