"""``FileLocks``, the session lock of every process sharing a SQLite database: one holder at a
time across threads and processes, no waiting when asked not to, freed by the kernel when its
holder dies.  And ``LocalLocks`` forgets the locks nobody holds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from chambers.locks import FileLocks, LocalLocks, LockTimeout

from ..holding import held_elsewhere

COUNT_UNDER_LOCK = """
import sys, time
from pathlib import Path
from chambers.locks import FileLocks
locks, counter = FileLocks(sys.argv[1]), Path(sys.argv[2])
for _ in range(int(sys.argv[3])):
    with locks.hold("session"):
        value = int(counter.read_text())   # read, pause, write: lost updates if two overlap
        time.sleep(0.0005)
        counter.write_text(str(value + 1))
"""

HOLD_AND_WAIT = """
import sys, time
from chambers.locks import FileLocks
with FileLocks(sys.argv[1]).hold(sys.argv[2]):
    print("held", flush=True)
    time.sleep(60)
"""


def _add_under_lock(locks: FileLocks, counter, times: int) -> None:
    for _ in range(times):
        with locks.hold("session"):
            value = int(counter.read_text())
            time.sleep(0.0005)
            counter.write_text(str(value + 1))


def test_one_holder_at_a_time_across_processes_and_threads(tmp_path):
    lock_file, counter = tmp_path / "db.locks", tmp_path / "counter"
    counter.write_text("0")
    processes = [subprocess.Popen([sys.executable, "-c", COUNT_UNDER_LOCK, str(lock_file), str(counter), "40"])
                 for _ in range(3)]
    locks = FileLocks(lock_file)
    threads = [threading.Thread(target=_add_under_lock, args=(locks, counter, 40)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        assert process.wait(timeout=60) == 0
    assert counter.read_text() == str(6 * 40)


@pytest.fixture
def held_by_another_process(tmp_path):
    """Another process holding the lock of session "abc" (killable)."""
    lock_file = tmp_path / "db.locks"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_WAIT, str(lock_file), "abc"], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "held"
    yield lock_file, holder
    if holder.poll() is None:
        holder.kill()
        holder.wait()
    holder.stdout.close()


def test_a_busy_lock_is_refused_at_once_with_timeout_zero_and_other_keys_are_free(held_by_another_process):
    lock_file, _ = held_by_another_process
    locks = FileLocks(lock_file)
    started = time.perf_counter()
    with pytest.raises(LockTimeout) as refused:
        with locks.hold("abc", timeout=0):
            pytest.fail("the lock is held by another process")
    assert time.perf_counter() - started < 0.05
    assert refused.value.waited == 0
    with pytest.raises(LockTimeout):
        with locks.hold("abc", timeout=0.2):
            pass
    with locks.hold("another session", timeout=0):
        pass


def test_a_holder_that_dies_frees_the_lock_at_once(held_by_another_process):
    lock_file, holder = held_by_another_process
    locks = FileLocks(lock_file)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    started = time.perf_counter()
    with locks.hold("abc", timeout=5):
        waited = time.perf_counter() - started
    assert waited < 0.1


def test_a_waiter_gets_the_lock_soon_after_it_is_freed(tmp_path):
    locks, other = FileLocks(tmp_path / "db.locks"), FileLocks(tmp_path / "db.locks")
    with held_elsewhere(locks, "abc", 0.2) as freed_at:
        with other.hold("abc", timeout=5):
            delay = time.perf_counter() - freed_at[0]
    assert delay < 0.02


def test_local_locks_forget_keys_nobody_holds():
    locks = LocalLocks()
    with locks.hold("a"):
        with pytest.raises(LockTimeout):
            with locks.hold("a", timeout=0):
                pass
        assert len(locks) == 1
    assert len(locks) == 0
