"""Turn the many shapes docassemble accepts for choices into one list of (value, label)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .blocks import Choice


def normalize_choices(raw: Any) -> list[Choice]:
    """Accepts a list of values, a dict ``{value: label}``, a list of one-item dicts,
    a list of ``{'value':…, 'label':…}`` dicts, or a list of ``[value, label]`` pairs."""
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        return [Choice(value=k, label=str(v)) for k, v in raw.items()]
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        raise ValueError(f"choices must be a list or a dictionary, not {raw!r}")
    out: list[Choice] = []
    for item in raw:
        if isinstance(item, Mapping):
            if "value" in item or "label" in item:
                value = item.get("value", item.get("label"))
                out.append(Choice(value=value, label=str(item.get("label", value))))
            elif len(item) == 1:
                ((value, label),) = item.items()
                out.append(Choice(value=value, label=str(label)))
            else:
                raise ValueError(f"a choice given as a dictionary must have one item: {dict(item)!r}")
        elif isinstance(item, (list, tuple)):
            if len(item) == 1:
                out.append(Choice(value=item[0], label=str(item[0])))
            elif len(item) >= 2:
                out.append(Choice(value=item[0], label=str(item[1])))
            else:
                raise ValueError("an empty list cannot be a choice")
        else:
            out.append(Choice(value=item, label=str(item)))
    return out
