"""The privileges an account can hold."""
from __future__ import annotations

ADMIN, DEVELOPER, USER, CRON = "admin", "developer", "user", "cron"
PRIVILEGES = frozenset({ADMIN, DEVELOPER, USER, CRON})
CRON_EMAIL = "cron@admin.com"   # the built-in cron user (made by the migration; it cannot log in)


def check(privileges: set[str] | frozenset[str]) -> frozenset[str]:
    unknown = set(privileges) - PRIVILEGES
    if unknown:
        raise ValueError(f"unknown privilege(s): {', '.join(sorted(unknown))}; use {', '.join(sorted(PRIVILEGES))}")
    if CRON in privileges:
        raise ValueError("only the built-in cron user holds the cron privilege")
    return frozenset(privileges) or frozenset({USER})
