"""``Accounts``: sign up, log in, change the password (re-keying the user's sessions)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..interview.context import Identity
from ..store.errors import VersionConflict
from ..store.users import StoredUser, UnknownUser, UserExists, UserRepository
from . import passwords, privileges
from .rekey import rekey_owned

if TYPE_CHECKING:
    from ..sessions.service import SessionService

log = logging.getLogger(__name__)
REKEY_ATTEMPTS = 5


class AccountError(Exception):
    """Something a person can fix (shown as it is)."""


@dataclass(frozen=True)
class LoggedIn:
    user: StoredUser
    secret: str          # the key material of the user's sessions; kept only in the browser's cookie


def identity_for(user: StoredUser, session_uid: str) -> Identity:
    return Identity(user_id=user.id, email=user.email, first_name=user.first_name, last_name=user.last_name,
                    privileges=user.privileges or frozenset({privileges.USER}), logged_in=True,
                    session_uid=session_uid)


class Accounts:
    def __init__(self, users: UserRepository, service: "SessionService"):
        self.users = users
        self.service = service

    def create(self, email: str, password: str, *, grants: set[str] | frozenset[str] = frozenset({"user"}),
               first_name: str = "", last_name: str = "") -> StoredUser:
        email = email.strip()
        if "@" not in email or len(email) > 255 or any(c.isspace() for c in email):
            raise AccountError("Please give a valid e-mail address.")
        try:
            passwords.check_new(password)
            wanted = privileges.check(set(grants))
        except ValueError as exc:
            raise AccountError(str(exc)) from None
        try:
            return self.users.create(email, password_hash=passwords.hash_password(password),
                                     key_salt=passwords.new_key_salt(), privileges=wanted,
                                     first_name=first_name.strip(), last_name=last_name.strip())
        except UserExists:
            raise AccountError("There is already an account for that e-mail address.") from None

    def sign_up(self, email: str, password: str, **names: str) -> LoggedIn:
        user = self.create(email, password, **names)
        self.users.logged_in(user.id)
        return LoggedIn(user, passwords.answers_secret(password, user.key_salt or ""))

    def log_in(self, email: str, password: str) -> LoggedIn:
        user = self.users.by_email(email or "")
        if not passwords.verify(user.password_hash if user else None, password or "") \
                or user is None or not user.can_log_in:
            log.info("a login failed")  # never the address or the password
            raise AccountError("That e-mail address and password do not match an account that can log in.")
        self.users.logged_in(user.id)
        return LoggedIn(user, passwords.answers_secret(password, user.key_salt or ""))

    def change_password(self, user_id: int, old_password: str, new_password: str) -> LoggedIn:
        """New password; every session under the old key moves to the new one in the same transaction."""
        try:
            passwords.check_new(new_password)
        except ValueError as exc:
            raise AccountError(str(exc)) from None
        for _ in range(REKEY_ATTEMPTS):
            user = self.users.get(user_id)
            if user is None or not user.can_log_in or not passwords.verify(user.password_hash, old_password):
                raise AccountError("The current password is not right.")
            old_secret = passwords.answers_secret(old_password, user.key_salt or "")
            key_salt = passwords.new_key_salt()
            new_secret = passwords.answers_secret(new_password, key_salt)
            moved: list[int] = []
            try:
                self.users.change_credentials(
                    user.id, expected_epoch=user.key_epoch, password_hash=passwords.hash_password(new_password),
                    key_salt=key_salt,
                    also=lambda tx: moved.append(rekey_owned(self.service, tx, user.id, old_secret, new_secret)))
            except (VersionConflict, UnknownUser):
                continue  # a session was saved (or the password changed) meanwhile: again, from the start
            log.info("user %s changed the password; %s session(s) re-keyed", user.id, moved[0] if moved else 0)
            fresh = self.users.get(user.id)
            assert fresh is not None
            return LoggedIn(fresh, new_secret)
        raise AccountError("Your sessions kept changing while the password was being changed; please try again.")

    def user(self, user_id: int) -> StoredUser | None:
        return self.users.get(user_id)
