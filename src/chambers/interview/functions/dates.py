"""Dates, all read through :mod:`chambers.clock` so tests can move time."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from ... import clock

__all__ = ["current_datetime", "today", "as_datetime", "format_date", "format_time", "format_datetime",
           "date_difference", "date_interval", "month_of", "day_of", "year_of"]

_BABEL_TOKENS = [("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("M", "%-m"),
                 ("dd", "%d"), ("d", "%-d"), ("EEEE", "%A"), ("EEE", "%a"), ("HH", "%H"), ("hh", "%I"),
                 ("h", "%-I"), ("mm", "%M"), ("ss", "%S"), ("a", "%p")]
_NAMED = {"long": "%B %-d, %Y", "full": "%A, %B %-d, %Y", "medium": "%b %-d, %Y", "short": "%-m/%-d/%y"}


def current_datetime(timezone: str | None = None) -> _dt.datetime:
    moment = clock.now()
    if timezone:
        from zoneinfo import ZoneInfo
        moment = moment.astimezone(ZoneInfo(timezone))
    return moment


def today(timezone: str | None = None) -> _dt.date:
    return current_datetime(timezone).date()


def as_datetime(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, _dt.date):
        moment = _dt.datetime(value.year, value.month, value.day)
    else:
        moment = date_parser.parse(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _pattern(fmt: str) -> str:
    if fmt in _NAMED:
        return _NAMED[fmt]
    if "%" in fmt:
        return fmt
    out, i = [], 0
    while i < len(fmt):
        for token, code in _BABEL_TOKENS:
            if fmt.startswith(token, i):
                out.append(code)
                i += len(token)
                break
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def format_date(value: Any, format: str = "long") -> str:  # noqa: A002 - docassemble's keyword
    if value is None or value == "":
        return ""
    return as_datetime(value).strftime(_pattern(format))


def format_time(value: Any, format: str = "h:mm a") -> str:  # noqa: A002
    if isinstance(value, _dt.time):
        value = _dt.datetime.combine(_dt.date(2000, 1, 1), value)
    return as_datetime(value).strftime(_pattern(format))


def format_datetime(value: Any, format: str = "long") -> str:  # noqa: A002
    return format_date(value, format) + ("" if format in _NAMED and format != "long" else
                                         " " + format_time(value) if format == "long" else "")


@dataclass
class DateDifference:
    delta: _dt.timedelta

    @property
    def seconds(self) -> float:
        return self.delta.total_seconds()

    @property
    def minutes(self) -> float:
        return self.seconds / 60

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def days(self) -> float:
        return self.seconds / 86400

    @property
    def weeks(self) -> float:
        return self.days / 7

    @property
    def years(self) -> float:
        return self.days / 365.25

    def describe(self) -> str:
        days = abs(self.days)
        if days >= 365.25:
            return f"{round(abs(self.years))} years"
        if days >= 1:
            return f"{round(days)} days"
        return f"{round(abs(self.hours))} hours"


def date_difference(starting: Any = None, ending: Any = None, timezone: str | None = None) -> DateDifference:
    start = as_datetime(starting) if starting is not None else current_datetime(timezone)
    end = as_datetime(ending) if ending is not None else current_datetime(timezone)
    return DateDifference(end - start)


def date_interval(**kwargs: Any) -> relativedelta:
    return relativedelta(**kwargs)


def month_of(value: Any, as_word: bool = False) -> Any:
    moment = as_datetime(value)
    return moment.strftime("%B") if as_word else moment.month


def day_of(value: Any) -> int:
    return as_datetime(value).day


def year_of(value: Any) -> int:
    return as_datetime(value).year
