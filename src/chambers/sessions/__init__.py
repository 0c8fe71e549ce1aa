"""The session service: the one place every front end (web, API, worker, cron, mail) goes through."""
from .service import RunResult, SessionRef, SessionService, StaleScreen, AccessDenied

__all__ = ["RunResult", "SessionRef", "SessionService", "StaleScreen", "AccessDenied"]
