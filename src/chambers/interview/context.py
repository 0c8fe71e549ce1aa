"""The state of one run of an interview, reachable from interview code through a context variable.

Functions that interview code calls (``action_argument()``, ``background_action()``, ``user_info()``
...) read the run they belong to with :func:`current`.  The engine sets it for the length of a run.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from .errors import ChambersError

if TYPE_CHECKING:
    from .model import Interview
    from .services import Services


@dataclass
class Identity:
    """Who a run acts for: a web/API user, the person who started a task, the cron user."""
    user_id: int | None = None
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    privileges: frozenset[str] = frozenset({"user"})
    logged_in: bool = False
    session_uid: str = "anonymous"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.user_id, "email": self.email, "first_name": self.first_name,
                "last_name": self.last_name, "privileges": sorted(self.privileges),
                "logged_in": self.logged_in, "session_uid": self.session_uid}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Identity":
        return cls(user_id=data.get("id"), email=data.get("email"), first_name=data.get("first_name", ""),
                   last_name=data.get("last_name", ""), privileges=frozenset(data.get("privileges", ["user"])),
                   logged_in=bool(data.get("logged_in")), session_uid=data.get("session_uid", "anonymous"))


@dataclass
class Run:
    interview: "Interview"
    session_id: str
    ns: dict[str, Any]
    services: "Services"
    identity: Identity = field(default_factory=Identity)
    interface: str = "web"            # web, api, checkin, worker, callback, cron, mail
    action: str | None = None         # the pending action, until process_action() takes it
    arguments: dict[str, Any] = field(default_factory=dict)
    checkin: bool = False             # check-in runs never push onto the event stack
    secret: str | None = None
    seeking: list[str] = field(default_factory=list)
    forgiven: set[str] = field(default_factory=set)
    log: list[dict[str, str]] = field(default_factory=list)
    save_status: str = "new"          # new, overwrite, ignore
    error_action: tuple[str, dict[str, Any]] | None = None
    action_taken: bool = False

    @property
    def internal(self) -> dict[str, Any]:
        return self.ns["_internal"]


_current: contextvars.ContextVar[Run | None] = contextvars.ContextVar("chambers_run", default=None)


def current() -> Run:
    run = _current.get()
    if run is None:
        raise ChambersError("this function can only be called from interview code while it runs")
    return run


def current_or_none() -> Run | None:
    return _current.get()


@contextmanager
def activate(run: Run) -> Iterator[Run]:
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


def new_internal() -> dict[str, Any]:
    """The ``_internal`` dictionary every session's answers start with."""
    return {"answered": set(), "answers": {}, "event_stack": {}, "tasks": {}, "modtime": None,
            "accesstime": {}, "steps": 1, "prior": {}, "emails": {}, "assembled": {}}
