"""How errors from the engine and the session service are shown: a status and plain words.

Used by the HTML pages; the JSON API has its own messages (docassemble's) in :mod:`.api`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..interview.errors import (ChambersError, CircularLogic, InterviewCodeError, InterviewSourceError,
                                NoEndpoint, UndefinedVariable)
from ..locks import LockTimeout
from ..sessions.codec import CorruptAnswers
from ..sessions.service import AccessDenied, CannotGoBackError
from ..store.errors import VersionConflict


@dataclass
class Failure:
    status: int
    title: str
    message: str
    detail: str = ""


class BadRequest(Exception):
    """A request the web layer itself refuses (missing or malformed parameter)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


HANDLED = (ChambersError, AccessDenied, LockTimeout, VersionConflict, CorruptAnswers, CannotGoBackError,
           BadRequest)


def describe(exc: BaseException) -> Failure:
    if isinstance(exc, BadRequest):
        return Failure(exc.status, "This request cannot be handled", str(exc))
    if isinstance(exc, InterviewSourceError):
        if str(exc).startswith("there is no interview called"):
            return Failure(404, "No such interview", str(exc))
        return Failure(500, "The interview file has an error", str(exc))
    if isinstance(exc, UndefinedVariable):
        chain = " ← ".join(exc.stack) if exc.stack else ""
        return Failure(500, "The interview cannot go on", str(exc),
                       f"Needed for: {chain}" if chain else "")
    if isinstance(exc, InterviewCodeError):
        chain = " ← ".join(exc.variables) if exc.variables else ""
        return Failure(500, "The interview's code failed", str(exc),
                       f"While looking for: {chain}" if chain else "")
    if isinstance(exc, CircularLogic):
        return Failure(500, "The interview's logic goes round in circles", str(exc))
    if isinstance(exc, NoEndpoint):
        return Failure(500, "The interview has no screen to show", str(exc))
    if isinstance(exc, AccessDenied):
        return Failure(404, "Interview session not found",
                       "This interview session does not exist or this browser may not open it.")
    if isinstance(exc, CannotGoBackError):
        return Failure(400, "Cannot go back", "This is the first screen: there is nothing to go back to.")
    if isinstance(exc, LockTimeout):
        return Failure(503, "The interview is busy",
                       "Another request is still working on this interview. Please try again in a moment.")
    if isinstance(exc, VersionConflict):
        return Failure(409, "The interview changed meanwhile",
                       "Someone or something else saved this interview while your answer was processed. "
                       "Please reload the page and try again.")
    if isinstance(exc, CorruptAnswers):
        return Failure(500, "The saved answers cannot be read", str(exc))
    if isinstance(exc, ChambersError):
        return Failure(500, "The interview failed", str(exc))
    return Failure(500, "Something went wrong", "An unexpected error happened; it has been logged.")
