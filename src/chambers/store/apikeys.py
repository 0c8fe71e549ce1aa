"""``ApiKeyRepository``: keys for the JSON API.  Only a SHA-256 of each key is stored."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import Row, bindparam, insert, select, update

from .db import Database, affected_rows
from .models import ApiKeyRow
from .timestamps import utcnow

KEY_BYTES = 24  # 32 url-safe characters


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    owner_id: int | None
    created_at: datetime
    revoked: bool


def key_hash(key: str) -> str:
    """A key's SHA-256, hex.  Keys are 192 random bits, so a fast unsalted hash is enough."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _api_key(row: Row[Unpack[tuple[Any, ...]]]) -> ApiKey:
    return ApiKey(id=row.id, name=row.name, owner_id=row.owner_id, created_at=row.created_at,
                  revoked=row.revoked)


_COLUMNS = (ApiKeyRow.id, ApiKeyRow.name, ApiKeyRow.owner_id, ApiKeyRow.created_at, ApiKeyRow.revoked)
_BY_HASH = select(*_COLUMNS).where(ApiKeyRow.key_hash == bindparam("b_key_hash"))


class ApiKeyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, name: str, owner_id: int | None = None) -> str:
        """Make a key and return it: this is the only time the key itself is seen."""
        key = secrets.token_urlsafe(KEY_BYTES)
        with self.db.transaction() as session:
            session.execute(insert(ApiKeyRow).values(key_hash=key_hash(key), name=name, owner_id=owner_id,
                                                     created_at=utcnow(), revoked=False))
        return key

    def verify(self, key: str) -> ApiKey | None:
        """The key's record if ``key`` is a key that was made here and not revoked."""
        if not key:
            return None
        with self.db.reading_connection() as connection:     # every API call: a prepared Core statement
            row = connection.execute(_BY_HASH, {"b_key_hash": key_hash(key)}).one_or_none()
        if row is None or row.revoked:
            return None
        return _api_key(row)

    def revoke(self, key_id: int) -> bool:
        """Revoke the key with this id; False if there is none or it was already revoked."""
        with self.db.transaction() as session:
            result = session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.revoked.is_(False))
                                     .values(revoked=True), execution_options={"synchronize_session": False})
            return affected_rows(result) == 1

    def revoke_key(self, key: str) -> bool:
        """Revoke the key given by its value."""
        found = self.verify(key)
        return found is not None and self.revoke(found.id)

    def list_all(self) -> list[ApiKey]:
        with self.db.reading() as session:
            return [_api_key(row) for row in session.execute(select(*_COLUMNS).order_by(ApiKeyRow.id))]

    list = list_all
