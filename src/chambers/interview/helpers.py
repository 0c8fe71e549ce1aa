"""``need``, ``defined``, ``value``, ``showifdef``: functions that look variables up by name."""
from __future__ import annotations

from typing import Any

from .context import current
from .targets import is_target

_ABSENT = object()


def need(*values: Any) -> bool:
    """Arguments are evaluated (and so sought) in order before the call; nothing else to do."""
    return True


def _lookup(name: str, ns: dict[str, Any]) -> Any:
    if not is_target(name):
        raise ValueError(f"{name!r} is not a variable name")
    try:
        return eval(name, ns)  # noqa: S307 - a checked target expression
    except (NameError, AttributeError, KeyError, IndexError):
        return _ABSENT


def defined(name: str) -> bool:
    return _lookup(name, current().ns) is not _ABSENT


def value(name: str) -> Any:
    """The value of a variable named by a string; seeks it if it is undefined."""
    if not is_target(name):
        raise ValueError(f"{name!r} is not a variable name")
    return eval(name, current().ns)  # noqa: S307


def showifdef(name: str, alternative: Any = "", prior: bool = False) -> Any:
    """The variable's value if it is defined, otherwise ``alternative``.

    With ``prior=True`` only the answers as they were before the user last pressed Back count.
    """
    run = current()
    if prior:
        snapshot = run.internal.get("prior") or {}
        return snapshot.get(name, alternative)
    found = _lookup(name, run.ns)
    return alternative if found is _ABSENT else found
