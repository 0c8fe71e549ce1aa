"""Dates and times for interview code.  "Now" always comes from :mod:`chambers.clock`.

Times are timezone-aware.  Without a ``timezone`` argument the zone is :data:`DEFAULT_TIMEZONE`
(UTC); a date without a time means midnight in that zone.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as _date_parser
from dateutil.relativedelta import relativedelta

from ... import clock
from .date_patterns import DATE_STYLES, DATETIME_STYLES, TIME_STYLES, format_pattern
from .text import comma_and_list, nice_number, noun_plural

__all__ = ["current_datetime", "today", "as_datetime", "format_date", "format_time", "format_datetime",
           "date_difference", "date_interval", "month_of", "day_of", "year_of", "dow_of"]

DEFAULT_TIMEZONE = "UTC"
_DAYS_PER_YEAR = 365.2425
_DESCRIBED_UNITS = ("years", "months", "days", "hours", "minutes", "seconds")


def _zone(timezone: str | _dt.tzinfo | None) -> _dt.tzinfo:
    if isinstance(timezone, _dt.tzinfo):
        return timezone
    name = timezone or DEFAULT_TIMEZONE
    return _dt.timezone.utc if name.upper() == "UTC" else ZoneInfo(name)


def current_datetime(timezone: str | None = None) -> _dt.datetime:
    """Now, timezone-aware, in ``timezone`` (default UTC)."""
    return clock.now().astimezone(_zone(timezone))


def today(timezone: str | None = None, format: str | None = None) -> _dt.date | str:  # noqa: A002
    """Today's date in ``timezone``; with ``format``, the date formatted (see :func:`format_date`)."""
    day = current_datetime(timezone).date()
    return format_date(day, format) if format else day


def as_datetime(value: Any, timezone: str | None = None) -> _dt.datetime:
    """A timezone-aware datetime from a datetime, a date (midnight) or text such as ``2026-01-03``."""
    zone = _zone(timezone)
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, _dt.date):
        moment = _dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, _dt.time):
        moment = _dt.datetime.combine(current_datetime(timezone).date(), value)
    else:
        moment = _date_parser.parse(str(value))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone) if timezone else moment


def date_interval(**units: Any) -> relativedelta:
    """A calendar-aware interval: ``date_interval(months=1, days=3)``."""
    return relativedelta(**units)


class DateDifference:
    """The time between two moments, in several units (all floats), and as words."""

    def __init__(self, starting: _dt.datetime, ending: _dt.datetime):
        self.start = starting
        self.end = ending
        self.delta: _dt.timedelta = ending - starting
        self.seconds: float = self.delta.total_seconds()
        self.minutes: float = self.seconds / 60
        self.hours: float = self.seconds / 3600
        self.days: float = self.seconds / 86400
        self.weeks: float = self.days / 7
        self.years: float = self.days / _DAYS_PER_YEAR

    def describe(self, specificity: str | None = None, nice: bool = True) -> str:
        """Words such as ``20 days`` or ``one year, two months, and three days``.

        Years, months and days are given (hours, minutes or seconds when less than a day has
        passed); ``specificity`` (``'year'`` … ``'second'``) sets the smallest unit instead.
        """
        span = relativedelta(*sorted((self.end, self.start), reverse=True))
        smallest = _DESCRIBED_UNITS.index(specificity.rstrip("s") + "s") if specificity else 2
        amounts = [(unit, getattr(span, unit)) for unit in _DESCRIBED_UNITS[:smallest + 1]]
        amounts = [(unit, amount) for unit, amount in amounts if amount]
        if not amounts and not specificity:
            amounts = [(unit, getattr(span, unit)) for unit in _DESCRIBED_UNITS[3:] if getattr(span, unit)][:1]
        if not amounts:
            amounts = [(_DESCRIBED_UNITS[smallest], 0)]
        return comma_and_list(f"{nice_number(amount) if nice else amount} {noun_plural(unit[:-1], amount)}"
                              for unit, amount in amounts)

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return f"DateDifference(days={self.days!r})"


def date_difference(starting: Any = None, ending: Any = None, timezone: str | None = None) -> DateDifference:
    """``ending - starting`` (each defaults to now); ``.days`` is a float (fractional days)."""
    start = current_datetime(timezone) if starting is None else as_datetime(starting, timezone)
    end = current_datetime(timezone) if ending is None else as_datetime(ending, timezone)
    return DateDifference(start, end)


def _styled(styles: dict[str, str], format: str) -> str:  # noqa: A002
    return styles.get(format, format)


def format_date(value: Any, format: str | None = "long") -> str:  # noqa: A002 - docassemble's keyword
    """A date in a named style (``long``: "January 3, 2026", ``short``: "1/3/26") or an LDML pattern."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, _dt.datetime) else as_datetime(value)
    return format_pattern(moment, _styled(DATE_STYLES, format or "long"))


def format_time(value: Any, format: str | None = "short") -> str:  # noqa: A002
    """A time in a named style (``short``: "3:05 PM") or an LDML pattern such as ``HH:mm``."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, (_dt.datetime, _dt.time)) else as_datetime(value)
    return format_pattern(moment, _styled(TIME_STYLES, format or "short"))


def format_datetime(value: Any, format: str | None = "long") -> str:  # noqa: A002
    """A date and time: ``long`` gives "January 3, 2026 at 3:05:00 PM UTC"; or an LDML pattern."""
    if value is None or value == "":
        return ""
    moment = as_datetime(value) if not isinstance(value, _dt.datetime) else value
    style = format or "long"
    if style in DATETIME_STYLES:
        return DATETIME_STYLES[style].format(date=format_pattern(moment, DATE_STYLES[style]),
                                             time=format_pattern(moment, TIME_STYLES[style]))
    return format_pattern(moment, style)


def month_of(value: Any, as_word: bool = False) -> int | str:
    moment = as_datetime(value)
    return format_pattern(moment, "MMMM") if as_word else moment.month


def day_of(value: Any) -> int:
    return as_datetime(value).day


def year_of(value: Any) -> int:
    return as_datetime(value).year


def dow_of(value: Any, as_word: bool = False) -> int | str:
    """Day of the week: 1 (Monday) to 7 (Sunday), or its name."""
    moment = as_datetime(value)
    return format_pattern(moment, "EEEE") if as_word else moment.isoweekday()
