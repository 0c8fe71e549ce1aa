"""Password hashes (argon2id, for logging in) and the answers key (a second argon2id, never stored).

The two use different salts, so the stored hash says nothing about the key.  The key's cost
parameters are stored with its salt (``argon2id$t$m$p$salt``): changing the defaults later
never changes an existing user's key.
"""
from __future__ import annotations

import base64
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type, hash_secret_raw

MIN_LENGTH = 8


def _costs() -> tuple[int, int, int]:
    return (int(os.environ.get("CHAMBERS_ARGON2_TIME", "3")), int(os.environ.get("CHAMBERS_ARGON2_MEMORY_KIB", "65536")),
            int(os.environ.get("CHAMBERS_ARGON2_PARALLELISM", "4")))


def _hasher() -> PasswordHasher:
    time_cost, memory_cost, parallelism = _costs()
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def check_new(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValueError(f"The password must have at least {MIN_LENGTH} characters.")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash (no telling which e-mail addresses exist)."""
    try:
        return _hasher().verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def new_key_salt() -> str:
    time_cost, memory_cost, parallelism = _costs()
    return f"argon2id${time_cost}${memory_cost}${parallelism}${secrets.token_hex(16)}"


def answers_secret(password: str, key_salt: str) -> str:
    """The user's secret: the key material for every session the user owns (43 url-safe chars)."""
    kind, time_cost, memory_cost, parallelism, salt = key_salt.split("$")
    if kind != "argon2id":
        raise ValueError("unknown key derivation")
    raw = hash_secret_raw(password.encode("utf-8"), bytes.fromhex(salt), time_cost=int(time_cost),
                          memory_cost=int(memory_cost), parallelism=int(parallelism), hash_len=32, type=Type.ID)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
