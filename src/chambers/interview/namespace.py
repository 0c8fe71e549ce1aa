"""The names interview code sees, and keeping only the answers when a session is saved."""
from __future__ import annotations

import datetime
import importlib
import types
from typing import TYPE_CHECKING, Any

from . import actions, objects, tasks
from .context import new_internal

if TYPE_CHECKING:
    from .context import Run

OBJECT_CLASSES = {cls.__name__: cls for cls in (
    objects.DAObject, objects.DAList, objects.DADict, objects.DAFile, objects.DAFileList,
    objects.DAFileCollection, objects.DAEmpty, tasks.BackgroundAction)}


def _functions() -> dict[str, Any]:
    from .functions import dates, places, text
    from .markup import markdown_to_html
    table: dict[str, Any] = {}
    for module in (text, places, dates, actions):
        for name in getattr(module, "__all__", None) or dir(module):
            value = getattr(module, name)
            if not name.startswith("_") and callable(value) and getattr(value, "__module__", "") == module.__name__:
                table[name] = value
    from .helpers import defined, need, showifdef, value
    table.update(need=need, defined=defined, value=value, showifdef=showifdef,
                 markdown_to_html=markdown_to_html)
    from . import access, mail_functions, task_counters
    for module in (task_counters, access, mail_functions):
        for name in module.__all__:
            table[name] = getattr(module, name)
    table.update(OBJECT_CLASSES)
    table["DAEmpty"] = objects.DAEmpty
    return table


_TABLE: dict[str, Any] | None = None


def function_table() -> dict[str, Any]:
    global _TABLE
    if _TABLE is None:
        _TABLE = _functions()
    return _TABLE


def object_class(run: "Run", class_name: str) -> type:
    if class_name in OBJECT_CLASSES:
        return OBJECT_CLASSES[class_name]
    value = run.ns.get(class_name)
    if isinstance(value, type):
        return value
    if "." in class_name:
        module_name, _, attr = class_name.rpartition(".")
        return getattr(importlib.import_module(module_name), attr)
    raise NameError(f"unknown object class {class_name!r}", name=class_name)


def new_answers(url_args: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"_internal": new_internal(), "url_args": dict(url_args or {})}


def namespace_for(run_answers: dict[str, Any], interview) -> dict[str, Any]:
    """The dictionary interview code runs in: functions, then the interview's modules, then answers."""
    ns: dict[str, Any] = {"__builtins__": __builtins__}
    ns.update(function_table())
    for statement in interview.imports:
        ns[statement.split(".")[0]] = importlib.import_module(statement)
    for module_name in interview.modules:
        module = importlib.import_module(module_name.lstrip("."))
        for name in getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]:
            ns[name] = getattr(module, name)
    ns.update(run_answers)
    return ns


_NOT_ANSWERS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)


def answers_of(ns: dict[str, Any]) -> dict[str, Any]:
    """The part of a namespace that is saved: no functions, modules, classes or dunder names."""
    table = function_table()
    out = {}
    for name, value in ns.items():
        if name.startswith("__") or isinstance(value, _NOT_ANSWERS):
            continue
        if name in table and table[name] is value:
            continue
        out[name] = value
    return out


__all__ = ["function_table", "namespace_for", "answers_of", "new_answers", "object_class", "datetime"]
