"""Date and time patterns in the Unicode (CLDR/LDML) style docassemble passes to Babel, in English.

``yyyy-MM-dd``, ``MMMM d, y``, ``EEEE``, ``h:mm a`` and the named styles ``full``, ``long``,
``medium`` and ``short``.  Text in single quotes is literal (``''`` is a quote mark); other
letters are pattern fields; everything else is copied.
"""
from __future__ import annotations

import calendar
import datetime
import re

__all__ = ["DATE_STYLES", "TIME_STYLES", "DATETIME_STYLES", "format_pattern"]

DATE_STYLES = {"full": "EEEE, MMMM d, y", "long": "MMMM d, y", "medium": "MMM d, y", "short": "M/d/yy"}
TIME_STYLES = {"full": "h:mm:ss a zzzz", "long": "h:mm:ss a z", "medium": "h:mm:ss a", "short": "h:mm a"}
# How a date and a time combine in each style (``str.format`` fields).
DATETIME_STYLES = {"full": "{date} at {time}", "long": "{date} at {time}", "medium": "{date}, {time}",
                   "short": "{date}, {time}"}

_TOKEN = re.compile(r"'(?:[^']|'')*'|''|([A-Za-z])\1*|[^A-Za-z']+")
_MONTHS = list(calendar.month_name)
_MONTHS_SHORT = list(calendar.month_abbr)
_DAYS = list(calendar.day_name)
_DAYS_SHORT = list(calendar.day_abbr)


def _year(moment: datetime.date, width: int) -> str:
    return f"{moment.year % 100:02d}" if width == 2 else f"{moment.year:0{width}d}"


def _month(moment: datetime.date, width: int) -> str:
    if width >= 5:
        return _MONTHS[moment.month][0]
    if width == 4:
        return _MONTHS[moment.month]
    if width == 3:
        return _MONTHS_SHORT[moment.month]
    return f"{moment.month:0{width}d}"


def _weekday(moment: datetime.date, width: int) -> str:
    name = _DAYS[moment.weekday()]
    if width >= 5:
        return name[0]
    return name if width == 4 else _DAYS_SHORT[moment.weekday()]


def _hour12(moment: datetime.time | datetime.datetime) -> int:
    return moment.hour % 12 or 12


def _zone_name(moment: datetime.time | datetime.datetime) -> str:
    name = moment.tzname() if moment.tzinfo is not None else None
    return name or "UTC"


def _zone_offset(moment: datetime.time | datetime.datetime) -> str:
    offset = moment.utcoffset() if moment.tzinfo is not None else None
    minutes = int((offset or datetime.timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _field(letter: str, width: int, moment) -> str:  # noqa: C901 - one branch per field letter
    number = lambda value: f"{value:0{width}d}"  # noqa: E731
    if letter in "yY":
        return _year(moment, width)
    if letter in "ML":
        return _month(moment, width)
    if letter == "d":
        return number(moment.day)
    if letter == "D":
        return number(moment.timetuple().tm_yday)
    if letter in "Ec":
        return _weekday(moment, max(width, 3))
    if letter == "e":
        return number(moment.isoweekday()) if width <= 2 else _weekday(moment, width)
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    if letter == "h":
        return number(_hour12(moment))
    if letter == "H":
        return number(moment.hour)
    if letter == "K":
        return number(moment.hour % 12)
    if letter == "k":
        return number(moment.hour or 24)
    if letter == "m":
        return number(moment.minute)
    if letter == "s":
        return number(moment.second)
    if letter == "S":
        return f"{moment.microsecond:06d}"[:width].ljust(width, "0")
    if letter in "zv":
        return _zone_name(moment)
    if letter in "ZxX":
        return _zone_offset(moment)
    if letter == "G":
        return "AD"
    return letter * width


def format_pattern(moment, pattern: str) -> str:
    """``moment`` (a date, time or datetime) written out by an LDML ``pattern``."""
    out = []
    for match in _TOKEN.finditer(pattern):
        token = match.group(0)
        if token == "''":
            out.append("'")
        elif token.startswith("'"):
            out.append(token[1:-1].replace("''", "'"))
        elif match.group(1):
            out.append(_field(token[0], len(token), moment))
        else:
            out.append(token)
    return "".join(out)
