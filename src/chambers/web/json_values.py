"""Answers to JSON and JSON to answers, the way docassemble's API does it (api.md §2.3, §2.4)."""
from __future__ import annotations

import datetime
import math
import re
import types
from typing import Any

from ..interview.objects import DADict, DAList, DAObject

DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")
TIME_PREFIX = re.compile(r"^\d{2}:\d{2}:\d{2}")
CODE_TYPES = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType)
# Plain containers only: a client must not conjure a file handle or a task handle that points at
# another session's file or task.
REBUILDABLE = {cls.__name__: cls for cls in (DAObject, DAList, DADict)}


def jsonable(value: Any, *, _path: frozenset[int] = frozenset()) -> Any:
    """``value`` as JSON data: objects as ``{"_class": ..., attributes}``, dates as ISO text,
    sets as lists, anything else JSON cannot hold as None."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, CODE_TYPES):
        return None
    if id(value) in _path:
        return None
    path = _path | {id(value)}
    attributes = getattr(value, "__dict__", None)
    if isinstance(value, dict):
        elements = {str(k): jsonable(v, _path=path) for k, v in value.items()}
        if type(value) is dict:
            return elements
        return {**_object(value, attributes, path), "elements": elements}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        elements = [jsonable(v, _path=path) for v in items]
        if type(value) in (list, tuple, set, frozenset):
            return elements
        return {**_object(value, attributes, path), "elements": elements}
    if attributes is not None:
        return _object(value, attributes, path)
    return None


def _object(value: Any, attributes: dict[str, Any] | None, path: frozenset[int]) -> dict[str, Any]:
    cls = type(value)
    out: dict[str, Any] = {"_class": f"{cls.__module__}.{cls.__qualname__}"}
    for key, item in (attributes or {}).items():
        if not key.startswith("__"):
            out[key] = jsonable(item, _path=path)
    return out


def from_json(value: Any) -> Any:
    """docassemble's ``transform_json_variables``: date and time strings become dates and times,
    ``{"_class": ..., "instanceName": ...}`` becomes a DAObject/DAList/DADict.

    Only those classes are rebuilt: a client never names code to import.
    """
    if isinstance(value, str):
        return _date_or_time(value)
    if isinstance(value, list):
        return [from_json(item) for item in value]
    if isinstance(value, dict):
        cls = _known_class(value.get("_class"))
        if cls is None and value.get("_class") == "type":
            named = _known_class(value.get("name"))
            if named is not None:
                return named
        if cls is not None and isinstance(value.get("instanceName"), str):
            return _rebuild(cls, value)
        return {key: from_json(item) for key, item in value.items()}
    return value


def _date_or_time(text: str) -> Any:
    if DATE_PREFIX.match(text):
        try:
            if len(text) == 10:
                return datetime.date.fromisoformat(text)
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if TIME_PREFIX.match(text):
        try:
            return datetime.time.fromisoformat(text)
        except ValueError:
            return text
    return text


def _known_class(dotted: Any) -> type | None:
    if not isinstance(dotted, str) or not dotted:
        return None
    return REBUILDABLE.get(dotted.rsplit(".", 1)[-1])


def _rebuild(cls: type, data: dict[str, Any]) -> Any:
    attributes = {k: from_json(v) for k, v in data.items() if k not in {"_class", "instanceName", "elements"}}
    elements = data.get("elements")
    if issubclass(cls, list):
        obj = cls(data["instanceName"], elements=from_json(elements) if isinstance(elements, list) else ())
    elif issubclass(cls, dict):
        obj = cls(data["instanceName"], elements=from_json(elements) if isinstance(elements, dict) else ())
    else:
        obj = cls(data["instanceName"])
    for key, item in attributes.items():
        if key.isidentifier() and not key.startswith("_"):
            setattr(obj, key, item)
    return obj
