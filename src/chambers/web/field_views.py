"""What the question template needs to draw each field: ids, names, shown values, errors."""
from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from typing import Any

from ..interview.screen import ScreenField, choice_key

TRUE_WORDS = {"true", "yes", "on", "1", "t", "y"}
HTML_INPUT_TYPES = {"text": "text", "number": "number", "date": "date", "email": "email", "time": "time",
                    "datetime": "datetime-local", "password": "password"}
BOOLEAN_RADIOS = {"yesnoradio", "noyesradio"}


def html_id(variable: str, prefix: str = "field") -> str:
    """An id safe in HTML and CSS selectors for any variable name (``x['a b']`` included)."""
    encoded = base64.urlsafe_b64encode(variable.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{prefix}-{encoded}"


@dataclass
class FieldView:
    field: ScreenField
    id: str
    value: str
    error: str | None = None

    @property
    def name(self) -> str | None:
        return self.field.variable

    @property
    def widget(self) -> str:
        if self.field.datatype == "hidden":
            return "hidden"
        if self.field.widget == "yesno" and self.field.datatype in BOOLEAN_RADIOS:
            return "yesno_radio"
        return self.field.widget

    @property
    def input_type(self) -> str:
        return HTML_INPUT_TYPES.get(self.field.widget, "text")

    @property
    def step(self) -> str | None:
        if self.field.widget != "number":
            return None
        return "1" if self.field.datatype == "integer" else "any"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def checked(self) -> bool:
        return self.value.strip().lower() in TRUE_WORDS

    def is_selected(self, key: str) -> bool:
        return self.value == key


def field_views(fields: list[ScreenField], *, typed: dict[str, str] | None = None,
                problems: dict[str, str] | None = None) -> list[FieldView]:
    """One view per field; ``typed`` (what the person sent) wins over the saved value."""
    typed = typed or {}
    problems = problems or {}
    views = []
    for fld in fields:
        if fld.variable is None:
            views.append(FieldView(field=fld, id=html_id(f"note-{fld.number}", "note"), value=""))
            continue
        value = typed[fld.variable] if fld.variable in typed else shown_value(fld, fld.current)
        views.append(FieldView(field=fld, id=html_id(fld.variable), value=value, error=problems.get(fld.variable)))
    return views


def shown_value(fld: ScreenField, value: Any) -> str:
    """A saved value as the form shows it."""
    if value is None:
        return ""
    if fld.choices is not None:
        return choice_key(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and fld.datatype == "integer":
        return str(int(value))
    return str(value)
