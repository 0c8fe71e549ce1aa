"""The login a browser carries in its (signed) cookie: user id, key epoch, and the user's secret
sealed under a key derived from the server key.  The secret is therefore not readable from the
cookie alone, and the server does not have it unless the browser sends the cookie."""
from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..store.users import StoredUser, UserRepository

NONCE = 12


class LoginCodec:
    def __init__(self, server_key: bytes, users: UserRepository):
        self.users = users
        self._aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=b"chambers.login-cookie.v1",
                                 info=b"login").derive(server_key))

    def pack(self, user: StoredUser, secret: str) -> dict[str, Any]:
        nonce = os.urandom(NONCE)
        sealed = self._aead.encrypt(nonce, secret.encode(), self._aad(user.id, user.key_epoch))
        return {"i": user.id, "e": user.key_epoch, "k": base64.urlsafe_b64encode(nonce + sealed).decode()}

    def resolve(self, packed: Any) -> tuple[StoredUser, str] | None:
        """The user and secret, if the login is still good (the account can log in, same epoch)."""
        if not isinstance(packed, dict):
            return None
        user_id, epoch, sealed = packed.get("i"), packed.get("e"), packed.get("k")
        if not isinstance(user_id, int) or not isinstance(epoch, int) or not isinstance(sealed, str):
            return None
        user = self.users.get(user_id)
        if user is None or not user.can_log_in or user.key_epoch != epoch:
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            secret = self._aead.decrypt(raw[:NONCE], raw[NONCE:], self._aad(user_id, epoch)).decode()
        except (InvalidTag, ValueError):
            return None
        return user, secret

    @staticmethod
    def _aad(user_id: int, epoch: int) -> bytes:
        return f"{user_id}:{epoch}".encode()
