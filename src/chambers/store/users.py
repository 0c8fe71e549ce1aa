"""``UserRepository``: accounts.  Passwords are stored only as argon2 hashes (made by the caller)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import Database, affected_rows
from .errors import StoreError
from .timestamps import utcnow
from .user_models import UserRow

PLAIN = {"synchronize_session": False}


class UserExists(StoreError):
    def __init__(self, email: str) -> None:
        super().__init__(f"there is already an account for {email!r}")
        self.email = email


class UnknownUser(StoreError, LookupError):
    def __init__(self, what: object) -> None:
        super().__init__(f"no account {what!r}")


@dataclass(frozen=True)
class StoredUser:
    id: int
    email: str
    password_hash: str | None
    key_salt: str | None
    key_epoch: int
    privileges: frozenset[str]
    first_name: str
    last_name: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def can_log_in(self) -> bool:
        return self.active and self.password_hash is not None and self.key_salt is not None


_COLUMNS = (UserRow.id, UserRow.email, UserRow.password_hash, UserRow.key_salt, UserRow.key_epoch,
            UserRow.privileges, UserRow.first_name, UserRow.last_name, UserRow.active, UserRow.created_at,
            UserRow.last_login_at)


def normal_email(email: str) -> str:
    return email.strip().lower()


def _user(row: Row[Unpack[tuple[Any, ...]]]) -> StoredUser:
    return StoredUser(id=row.id, email=row.email, password_hash=row.password_hash, key_salt=row.key_salt,
                      key_epoch=row.key_epoch, privileges=frozenset(row.privileges.split()),
                      first_name=row.first_name, last_name=row.last_name, active=row.active,
                      created_at=row.created_at, last_login_at=row.last_login_at)


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, email: str, *, password_hash: str | None, key_salt: str | None,
               privileges: frozenset[str] | set[str] = frozenset({"user"}), first_name: str = "",
               last_name: str = "", active: bool = True) -> StoredUser:
        email = normal_email(email)
        try:
            with self.db.transaction() as session:
                user_id = session.execute(insert(UserRow).values(
                    email=email, password_hash=password_hash, key_salt=key_salt, key_epoch=0,
                    privileges=" ".join(sorted(privileges)), first_name=first_name, last_name=last_name,
                    active=active, created_at=utcnow()).returning(UserRow.id)).scalar_one()
                return _user(session.execute(select(*_COLUMNS).where(UserRow.id == user_id)).one())
        except IntegrityError as exc:
            raise UserExists(email) from exc

    def get(self, user_id: int) -> StoredUser | None:
        with self.db.reading() as session:
            row = session.execute(select(*_COLUMNS).where(UserRow.id == user_id)).one_or_none()
        return None if row is None else _user(row)

    def by_email(self, email: str) -> StoredUser | None:
        with self.db.reading() as session:
            row = session.execute(select(*_COLUMNS).where(UserRow.email == normal_email(email))).one_or_none()
        return None if row is None else _user(row)

    def list_all(self) -> list[StoredUser]:
        with self.db.reading() as session:
            return [_user(row) for row in session.execute(select(*_COLUMNS).order_by(UserRow.id))]

    def set_privileges(self, user_id: int, privileges: set[str] | frozenset[str]) -> None:
        with self.db.transaction() as session:
            done = session.execute(update(UserRow).where(UserRow.id == user_id)
                                   .values(privileges=" ".join(sorted(privileges))), execution_options=PLAIN)
            if affected_rows(done) != 1:
                raise UnknownUser(user_id)

    def logged_in(self, user_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(update(UserRow).where(UserRow.id == user_id).values(last_login_at=utcnow()),
                            execution_options=PLAIN)

    def change_credentials(self, user_id: int, *, expected_epoch: int, password_hash: str, key_salt: str,
                           also: Callable[[Session], None] | None = None) -> None:
        """New password hash and key salt (and the next epoch), and ``also(session)`` in the same
        transaction: the user's sessions are re-keyed together with the password, or not at all."""
        with self.db.transaction() as session:
            done = session.execute(
                update(UserRow).where(UserRow.id == user_id, UserRow.key_epoch == expected_epoch)
                .values(password_hash=password_hash, key_salt=key_salt, key_epoch=expected_epoch + 1),
                execution_options=PLAIN)
            if affected_rows(done) != 1:
                raise UnknownUser(user_id)
            if also is not None:
                also(session)
