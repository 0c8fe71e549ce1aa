"""``held_elsewhere(locks, key, seconds)``: another thread holds a lock while the block runs."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_elsewhere(locks, key: str, seconds: float) -> Iterator[list[float]]:
    """A thread takes ``key``'s lock and keeps it ``seconds``; the block runs once it is taken.
    Yields a list that receives the moment the lock was freed; the thread is joined on exit."""
    taken, freed_at = threading.Event(), []

    def hold() -> None:
        with locks.hold(key):
            taken.set()
            time.sleep(seconds)
            freed_at.append(time.perf_counter())

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait()
    try:
        yield freed_at
    finally:
        thread.join()
