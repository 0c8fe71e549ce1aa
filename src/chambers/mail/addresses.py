"""The addresses ``interview_email()`` hands out: ``<code>@<domain>``.

A code is 6 random lowercase letters (as docassemble's are), unique across the server and made
once per (session, user, key, index).  The domain is ``settings.incoming_mail_domain``
(``CHAMBERS_MAIL_DOMAIN``), else this machine's host name.
"""
from __future__ import annotations

import json
import secrets
import socket
import string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import Settings
    from ..interview.context import Identity

CODE_LENGTH = 6
CODE_ALPHABET = string.ascii_lowercase
MAX_KEY_LENGTH = 200


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def mail_domain(settings: "Settings") -> str:
    return (settings.incoming_mail_domain or socket.gethostname() or "localhost").strip().lower()


def owner_key(identity: "Identity") -> str:
    """Whose address it is: a signed-in user by id, anyone else by their browser (or API key) id."""
    if identity.user_id is not None:
        return f"user:{identity.user_id}"
    return f"anon:{identity.session_uid}"


def slot_of(key: Any, index: Any) -> tuple[str | None, int | None, str]:
    """Check ``key`` and ``index`` as ``interview_email()`` takes them; (key, index, slot text)."""
    if index is not None and key is None:
        raise ValueError("interview_email(): an index needs a key")
    if key is not None:
        key = str(key)
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"interview_email(): the key must be 1 to {MAX_KEY_LENGTH} characters long")
    if index is not None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"interview_email(): the index must be a whole number, not {index!r}")
    return key, index, json.dumps([key, index])


def split_recipient(address: str) -> tuple[str, str]:
    """``code@domain`` → (code, domain), both lowercased; the code is '' if the address has no '@'."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return "", ""
    return local.lower(), domain.lower().rstrip(".")


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)
