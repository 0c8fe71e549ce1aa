"""Which period a pass of an event belongs to: a session runs each event once per period."""
from __future__ import annotations

import datetime

STANDARD_EVENTS = ("cron_hourly", "cron_daily", "cron_weekly", "cron_monthly")
BACKGROUND_SUFFIX = "_background"


def variants(event: str) -> list[str]:
    """The event names a pass runs: ``NAME`` and its background twin ``NAME_background``."""
    if event.endswith(BACKGROUND_SUFFIX):
        return [event]
    return [event, event + BACKGROUND_SUFFIX]


def period_key(event: str, moment: datetime.datetime) -> str:
    """The period ``moment`` falls in for ``event`` (UTC): hour, day, ISO week or month.

    Any other event name gets the minute, so two passes started together still run it once,
    while running it again by hand a minute later works.
    """
    moment = moment.astimezone(datetime.timezone.utc)
    base = event.removesuffix(BACKGROUND_SUFFIX)
    if base == "cron_hourly":
        return moment.strftime("%Y-%m-%dT%H")
    if base == "cron_daily":
        return moment.strftime("%Y-%m-%d")
    if base == "cron_weekly":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if base == "cron_monthly":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y-%m-%dT%H:%M")
