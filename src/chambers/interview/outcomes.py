"""How a run of the interview ends.

Interview code ends a run early by calling a stopping function (``response()``,
``command()``, ``background_response()`` ...); each raises :class:`StopRun` carrying one of
these outcomes.  A run that reaches a question ends with a :class:`~.screen.Screen`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class StopRun(BaseException):
    """Raised by stopping functions; a BaseException so interview ``except Exception`` can't eat it."""

    def __init__(self, outcome: "Outcome"):
        self.outcome = outcome
        super().__init__(type(outcome).__name__)


class Outcome:
    """Base class of every way a run can end other than a screen."""


@dataclass
class Response(Outcome):
    body: bytes | str = "Empty Response"
    content_type: str = "text/plain; charset=utf-8"
    status: int = 200
    null: bool = False


@dataclass
class Command(Outcome):
    name: str                     # exit, leave, restart, refresh, wait, continue, ...
    url: str | None = None
    sleep: float | None = None


@dataclass
class BackgroundResponse(Outcome):
    payload: Any = None
    has_payload: bool = False


@dataclass
class BackgroundResponseAction(Outcome):
    action: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class TargetedTemplate(Outcome):
    target: str
    content: str                  # Markdown source after Mako


@dataclass
class QuestionAsked(Outcome):
    """A run that was not meant to show a screen (a worker, cron) reached one."""
    text: str
    block: str


def payload_from_args(args: tuple, kwargs: dict) -> Any:
    """docassemble's payload shapes: none → {}, one → it, several → list, keywords → dict."""
    if not args and not kwargs:
        return {}
    if kwargs and not args:
        return dict(kwargs)
    if args and kwargs:
        return {"pargs": list(args), "kwargs": dict(kwargs)}
    return args[0] if len(args) == 1 else list(args)
