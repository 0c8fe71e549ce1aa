"""Turning what a person typed into the Python value a field stores, with clear messages."""
from __future__ import annotations

import datetime
import math
import re
from typing import Any

from .screen import ScreenField

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = {"true", "yes", "on", "1", "t", "y"}
FALSE_WORDS = {"false", "no", "off", "0", "f", "n"}


class FieldValueError(ValueError):
    pass


def convert(field: ScreenField, raw: str, *, choices_may_change: bool = False) -> Any:
    """The stored value for ``raw`` (a form string).  Raises :class:`FieldValueError`.

    ``choices_may_change``: the screen checks in, and check-in code may have replaced a dropdown's
    options in the browser, so a value outside the server's list is kept as the text chosen.
    """
    text = raw.strip() if isinstance(raw, str) else raw
    if field.choices is not None:
        for choice in field.choices:
            if choice.key == text:
                return choice.value
        if choices_may_change and field.widget == "dropdown":
            return text
        raise FieldValueError("Please choose one of the options.")
    kind = field.datatype
    if kind == "integer":
        try:
            value = int(text)
        except (TypeError, ValueError):
            raise FieldValueError("Please enter a whole number.") from None
        _check_range(field, value)
        return value
    if kind in {"number", "float", "currency", "range"}:
        try:
            value = float(str(text).replace(",", "")) if kind == "currency" else float(text)
        except (TypeError, ValueError):
            raise FieldValueError("Please enter a number.") from None
        if not math.isfinite(value):
            raise FieldValueError("Please enter a number.")
        _check_range(field, value)
        return value
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(text)[:10])
        except ValueError:
            raise FieldValueError("Please enter a valid date.") from None
    if kind == "time":
        try:
            return datetime.time.fromisoformat(str(text))
        except ValueError:
            raise FieldValueError("Please enter a valid time.") from None
    if kind == "datetime":
        try:
            return datetime.datetime.fromisoformat(str(text))
        except ValueError:
            raise FieldValueError("Please enter a valid date and time.") from None
    if kind == "email":
        if not EMAIL.match(str(text)):
            raise FieldValueError("Please enter a valid e-mail address.")
        return str(text)
    if kind in {"yesno", "noyes", "boolean", "yesnowide", "yesnoradio", "noyesradio"}:
        word = str(text).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise FieldValueError("Please answer yes or no.")
    return raw if isinstance(raw, str) else str(raw)


def _check_range(field: ScreenField, value: float) -> None:
    for bound, fails, word in ((field.min, lambda b: value < b, "at least"), (field.max, lambda b: value > b, "at most")):
        if bound is None or bound == "":
            continue
        try:
            limit = float(bound)
        except (TypeError, ValueError):
            continue
        if fails(limit):
            shown = int(limit) if limit.is_integer() else limit
            raise FieldValueError(f"The value must be {word} {shown}.")
