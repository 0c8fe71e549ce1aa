"""The one clock everything reads "now" from, so tests (and cron tests) can move time.

    from chambers import clock
    clock.now()                         # timezone-aware UTC
    with clock.frozen_at(datetime(...)):  # tests
        clock.advance(days=21)
"""
from __future__ import annotations

import datetime as _dt
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

UTC = _dt.timezone.utc
_lock = threading.Lock()
_source: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(UTC)
_offset = _dt.timedelta(0)


def now() -> _dt.datetime:
    """The current time, timezone-aware UTC."""
    with _lock:
        value = _source() + _offset
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def today() -> _dt.date:
    return now().date()


def set_clock(source: Callable[[], _dt.datetime] | None) -> None:
    """Read time from ``source`` (None: the system clock again)."""
    global _source, _offset
    with _lock:
        _source = source or (lambda: _dt.datetime.now(UTC))
        _offset = _dt.timedelta(0)


def advance(**delta: float) -> _dt.datetime:
    """Move the clock forward (``days=21``, ``hours=1``) and return the new now."""
    global _offset
    with _lock:
        _offset += _dt.timedelta(**delta)
    return now()


@contextmanager
def frozen_at(moment: _dt.datetime) -> Iterator[None]:
    """Stop the clock at ``moment`` (advance() still moves it); the system clock comes back after."""
    fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    set_clock(lambda: fixed)
    try:
        yield
    finally:
        set_clock(None)
