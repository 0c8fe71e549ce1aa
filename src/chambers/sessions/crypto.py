"""Answers encrypted at rest, and a session secret sealed for the life of one background task.

Answers: each stored step is either a plain pickle or ``MAGIC + nonce + AES-256-GCM(pickle)``.
The key is derived (HKDF-SHA256) from the session's *secret* and its id; the server never keeps
the secret, only an HMAC of it (``secret_check``).  The session id is the associated data, so
a step cannot be moved into another session, and any changed byte fails the GCM tag.

Background tasks: the secret a task needs is stored in SQL sealed under a random per-task key
that lives only in Redis, with a time to live, and is dropped once the task has finished.
Whoever reads the task row alone, or Redis alone, learns nothing.
"""
from __future__ import annotations

import base64
import functools
import os
import threading
import time
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .codec import CorruptAnswers

MAGIC = b"CHE1"
NONCE_BYTES = 12
KEY_SALT = b"chambers.answers.v1"
JOB_PREFIX = "chambers-job:v1:"
JOB_KEY_TTL = int(os.environ.get("CHAMBERS_JOB_KEY_TTL", str(24 * 3600)))  # seconds


class TamperedAnswers(CorruptAnswers):
    """The stored ciphertext does not match its tag (changed, or not this session's)."""


class MissingKey(CorruptAnswers):
    """The answers are encrypted and no key was given."""


# Answers ------------------------------------------------------------------------------------------
def session_key(secret: str, session_id: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=KEY_SALT, info=session_id.encode())
    return hkdf.derive(secret.encode("utf-8"))


@functools.lru_cache(maxsize=256)
def _cipher(secret: str, session_id: str) -> AESGCM:
    """The cipher of a session's answers.  Each request of a busy session opens and seals its
    answers, so the last few hundred sessions' ciphers stay in this process's memory (which
    holds their secrets during each request anyway); nothing of them is written anywhere."""
    return AESGCM(session_key(secret, session_id))


def is_sealed(blob: bytes) -> bool:
    return blob[:len(MAGIC)] == MAGIC


def seal(plain: bytes, secret: str, session_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + _cipher(secret, session_id).encrypt(nonce, plain, _aad(session_id))


def unseal(blob: bytes, secret: str | None, session_id: str) -> bytes:
    """The plain bytes of a stored step (plain steps pass through)."""
    if not is_sealed(blob):
        return blob
    if not secret:
        raise MissingKey("the answers are encrypted and this caller holds no key for them")
    nonce, body = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES], blob[len(MAGIC) + NONCE_BYTES:]
    try:
        return _cipher(secret, session_id).decrypt(nonce, body, _aad(session_id))
    except InvalidTag:
        raise TamperedAnswers("the stored answers failed their integrity check") from None


def recoder(session_id: str, old_secret: str | None, new_secret: str | None, *, encrypt: bool | None = None):
    """A function for one stored step: open it with ``old_secret``; seal it with ``new_secret`` if
    ``encrypt`` (None: if it was sealed before), else store it plain.  Idempotent."""
    def recode(blob: bytes) -> bytes:
        was_sealed = is_sealed(blob)
        wanted = was_sealed if encrypt is None else encrypt
        if not wanted:
            return unseal(blob, old_secret, session_id)
        if was_sealed and old_secret == new_secret:
            return blob
        if not new_secret:
            raise MissingKey("cannot encrypt the answers without a key")
        return seal(unseal(blob, old_secret, session_id), new_secret, session_id)
    return recode


def _aad(session_id: str) -> bytes:
    return MAGIC + session_id.encode()


# Secrets of background tasks ----------------------------------------------------------------------------
class JobKeys(Protocol):
    def put(self, task_id: str, key: bytes, ttl: int) -> None: ...
    def get(self, task_id: str) -> bytes | None: ...
    def drop(self, task_id: str) -> None: ...


class RedisJobKeys:
    PREFIX = "chambers:job-key:"

    def __init__(self, client):
        self.client = client

    def put(self, task_id: str, key: bytes, ttl: int) -> None:
        self.client.set(self.PREFIX + task_id, key, ex=max(1, ttl))

    def get(self, task_id: str) -> bytes | None:
        value = self.client.get(self.PREFIX + task_id)
        return bytes(value) if value is not None else None

    def drop(self, task_id: str) -> None:
        self.client.delete(self.PREFIX + task_id)


class LocalJobKeys:
    """For a process without Redis (tasks run in the same process): memory only."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def put(self, task_id: str, key: bytes, ttl: int) -> None:
        with self._lock:
            self._keys[task_id] = (key, time.monotonic() + ttl)

    def get(self, task_id: str) -> bytes | None:
        with self._lock:
            found = self._keys.get(task_id)
            if found is None or found[1] < time.monotonic():
                self._keys.pop(task_id, None)
                return None
            return found[0]

    def drop(self, task_id: str) -> None:
        with self._lock:
            self._keys.pop(task_id, None)


def job_keys_for(notifier) -> JobKeys:
    client = getattr(notifier, "client", None)
    return RedisJobKeys(client) if client is not None else LocalJobKeys()


def is_job_token(secret: object) -> bool:
    return isinstance(secret, str) and secret.startswith(JOB_PREFIX)


def seal_job_secret(secret: str, task_id: str, keys: JobKeys, ttl: int = JOB_KEY_TTL) -> str:
    """A token standing for ``secret`` that only opens while the task's key is in ``keys``."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, secret.encode("utf-8"), task_id.encode())
    keys.put(task_id, key, ttl)
    return f"{JOB_PREFIX}{task_id}:{base64.urlsafe_b64encode(nonce + body).decode()}"


def open_job_secret(token: str, keys: JobKeys | None) -> str | None:
    """The secret behind a task's token; None if the task's key is gone (or the token is bad)."""
    task_id, _, packed = token[len(JOB_PREFIX):].partition(":")
    key = keys.get(task_id) if keys is not None and task_id else None
    if key is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(packed.encode())
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], task_id.encode()).decode("utf-8")
    except (InvalidTag, ValueError):
        return None


def job_task_id(token: str) -> str:
    return token[len(JOB_PREFIX):].partition(":")[0]
