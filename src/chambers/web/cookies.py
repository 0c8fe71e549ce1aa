"""What a browser carries between requests, in one signed cookie.

The cookie holds a random per-browser id (the anonymous user's ``session_uid``), the browser's
CSRF token, and for each interview the id and secret of the session this browser is in.  It is
signed with the server key, so a browser can neither forge a session id nor swap in someone
else's: holding the cookie is what proves a browser may see a session.

A logged-in browser also carries its login (user id, key epoch, and the user's secret sealed
under a server-derived key: see ``users/logins.py``).  Sessions keyed by the login are remembered
with an empty secret, and opened with the login's secret.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from ..interview.context import Identity
from ..sessions.service import SessionRef

COOKIE_NAME = "chambers_browser"
SALT = "chambers.browser-cookie"
MAX_INTERVIEWS = 40          # keeps the cookie well under browsers' 4 KB limit


class CookieCodec:
    """Signs and reads the browser cookie with the server key."""

    def __init__(self, server_key: bytes, *, max_age_seconds: int, logins=None):
        self._serializer = URLSafeSerializer(server_key, salt=SALT)
        self.max_age_seconds = max_age_seconds
        self.logins = logins   # users.logins.LoginCodec, or None (no accounts)

    def dumps(self, payload: dict) -> str:
        return self._serializer.dumps(payload)

    def loads(self, text: str) -> dict | None:
        try:
            payload = self._serializer.loads(text)
        except BadSignature:
            return None
        return payload if isinstance(payload, dict) else None


@dataclass
class BrowserState:
    uid: str
    csrf: str
    sessions: dict[str, list[str]] = field(default_factory=dict)   # interview name -> [session id, secret]
    is_new: bool = False
    login: dict | None = None          # as packed by LoginCodec
    user: Any = None                   # the logged-in StoredUser (checked against the database)
    user_secret: str | None = None     # the key material of the user's sessions (this request only)

    # Reading and writing ---------------------------------------------------------------------------
    @classmethod
    def fresh(cls) -> "BrowserState":
        return cls(uid=secrets.token_urlsafe(18), csrf=secrets.token_urlsafe(24), is_new=True)

    @classmethod
    def load(cls, request: Request, codec: CookieCodec) -> "BrowserState":
        raw = request.cookies.get(COOKIE_NAME)
        payload = codec.loads(raw) if raw else None
        if not payload:
            return cls.fresh()
        uid, csrf, sessions = payload.get("u"), payload.get("c"), payload.get("s")
        if not isinstance(uid, str) or not isinstance(csrf, str) or not isinstance(sessions, dict):
            return cls.fresh()
        kept = {name: pair for name, pair in sessions.items()
                if isinstance(name, str) and isinstance(pair, list) and len(pair) == 2
                and all(isinstance(part, str) for part in pair)}
        browser = cls(uid=uid, csrf=csrf, sessions=kept)
        if payload.get("l") is not None and codec.logins is not None:
            resolved = codec.logins.resolve(payload["l"])
            if resolved is None:      # logged out elsewhere, password changed, account gone
                browser.log_out()
            else:
                browser.login = payload["l"]
                browser.user, browser.user_secret = resolved
        return browser

    def store(self, response: Response, request: Request, codec: CookieCodec) -> None:
        payload: dict[str, Any] = {"u": self.uid, "c": self.csrf, "s": self.sessions}
        if self.login is not None:
            payload["l"] = self.login
        response.set_cookie(COOKIE_NAME, codec.dumps(payload), max_age=codec.max_age_seconds,
                            path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")

    # What the web layer asks of it -------------------------------------------------------------------
    def identity(self) -> Identity:
        if self.user is not None:
            from ..users.accounts import identity_for
            return identity_for(self.user, self.uid)
        return Identity(session_uid=self.uid)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    def ref_for(self, interview: str) -> SessionRef | None:
        pair = self.sessions.get(interview)
        if not pair:
            return None
        return SessionRef(pair[0], pair[1] or self.user_secret, owner_id=self.user_id)

    def remember(self, interview: str, session_id: str, secret: str) -> None:
        self.sessions.pop(interview, None)
        keyed_by_login = self.user_secret is not None and hmac.compare_digest(secret, self.user_secret)
        self.sessions[interview] = [session_id, "" if keyed_by_login else secret]
        while len(self.sessions) > MAX_INTERVIEWS:
            self.sessions.pop(next(iter(self.sessions)))

    def forget(self, interview: str) -> None:
        self.sessions.pop(interview, None)

    def holds_session(self, session_id: str) -> bool:
        return self.ref_for_session(session_id) is not None

    def ref_for_session(self, session_id: str) -> SessionRef | None:
        """This browser's way into the session ``session_id`` (its secret or the login's), or None."""
        for pair in self.sessions.values():
            if hmac.compare_digest(pair[0], session_id):
                return SessionRef(pair[0], pair[1] or self.user_secret, owner_id=self.user_id)
        return None

    # Logging in and out ---------------------------------------------------------------------------------
    def log_in(self, user, secret: str, packed: dict) -> None:
        """Now logged in as ``user``; a new CSRF token (nothing posted before the login counts)."""
        self.user, self.user_secret, self.login = user, secret, packed
        self.csrf = secrets.token_urlsafe(24)

    def log_out(self) -> None:
        """Forget the login and every session this browser was in; a new browser id and CSRF token."""
        self.user = self.user_secret = self.login = None
        self.sessions = {}
        self.uid = secrets.token_urlsafe(18)
        self.csrf = secrets.token_urlsafe(24)

    def csrf_matches(self, submitted: object) -> bool:
        return (not self.is_new and isinstance(submitted, str) and bool(submitted)
                and hmac.compare_digest(submitted.encode(), self.csrf.encode()))
