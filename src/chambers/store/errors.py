"""What the store raises.  Every error names the record it is about."""
from __future__ import annotations


class StoreError(Exception):
    """Base class of everything the store raises on purpose."""


class UnknownSession(StoreError, LookupError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"no interview session has the id {session_id!r}")
        self.session_id = session_id


class SessionExists(StoreError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"an interview session with the id {session_id!r} already exists")
        self.session_id = session_id


class VersionConflict(StoreError):
    """Another writer saved the session since the caller loaded it; nothing was written."""

    def __init__(self, session_id: str, expected: int, actual: int | None) -> None:
        super().__init__(f"session {session_id!r} is at version {actual}, not the expected {expected}: "
                         "another writer saved it first")
        self.session_id = session_id
        self.expected = expected
        self.actual = actual


class CannotGoBack(StoreError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id!r} has only one step: there is nothing to go back to")
        self.session_id = session_id


class UnknownFile(StoreError, LookupError):
    def __init__(self, file_id: int) -> None:
        super().__init__(f"no stored file has the id {file_id}")
        self.file_id = file_id


class UnknownTask(StoreError, LookupError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"no background task has the id {task_id!r}")
        self.task_id = task_id


class TaskExists(StoreError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"a background task with the id {task_id!r} already exists")
        self.task_id = task_id
