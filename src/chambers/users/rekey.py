"""Moving sessions from one key to another: a password change, or sessions taken along at login."""
from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from ..sessions.crypto import recoder
from ..store import session_keys
from ..store.errors import VersionConflict

if TYPE_CHECKING:
    from ..sessions.service import SessionService

log = logging.getLogger(__name__)


def _holds(service: "SessionService", row: session_keys.KeyedSession, secret: str) -> bool:
    return row.secret_check is not None and hmac.compare_digest(row.secret_check,
                                                                service.secret_check(row.id, secret))


def rekey_owned(service: "SessionService", session: Session, owner_id: int, old_secret: str, new_secret: str) -> int:
    """In the caller's transaction: every session of ``owner_id`` keyed by ``old_secret`` gets
    ``new_secret`` (all steps).  Sessions keyed by another secret (an API client's) stay as they are.
    A session saved meanwhile raises :class:`VersionConflict`, and the whole change is rolled back."""
    moved = 0
    for row in session_keys.owned(session, owner_id):
        if not _holds(service, row, old_secret):
            continue
        session_keys.rewrite(session, row.id, row.version, recoder(row.id, old_secret, new_secret),
                             secret_check=service.secret_check(row.id, new_secret))
        moved += 1
    return moved


def adopt(service: "SessionService", session_id: str, old_secret: str, owner_id: int, new_secret: str) -> bool:
    """A session begun before logging in becomes the user's, under the user's key.  Not when it
    belongs to someone, the secret is wrong, or a background action of it is still running (the
    action holds the old secret)."""
    try:
        with service.sessions.db.transaction() as session:
            row = session_keys.keyed(session, session_id)
            if row is None or row.owner_id is not None or not _holds(service, row, old_secret):
                return False
            if session_keys.has_unfinished_tasks(session, session_id):
                return False
            session_keys.rewrite(session, session_id, row.version, recoder(session_id, old_secret, new_secret),
                                 owner_id=owner_id, secret_check=service.secret_check(session_id, new_secret))
            return True
    except VersionConflict:
        log.info("session %s changed while it was being taken into an account; it keeps its own key",
                 session_id[:6])
        return False
