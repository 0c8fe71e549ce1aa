"""Scheduled tasks: cron passes that run an event in every session that asked for it.

* :mod:`.identity` — the cron user every pass runs as.
* :mod:`.periods` — which period (hour, day, week, month) a pass belongs to.
* :mod:`.session_run` — running the event in one session, and what each outcome means.
* :mod:`.runner` — a whole pass: deleting inactive sessions, then the sessions in batches.
* :mod:`.scheduler` — firing ``cron_hourly`` … ``cron_monthly`` on time from ``chambers serve``.
* :mod:`.command` — ``chambers cron`` and ``python -m chambers.cron``.
"""
