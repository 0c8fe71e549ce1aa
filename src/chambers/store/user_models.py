"""The ``users`` table (accounts).  Imported by :mod:`.models`, so it is part of ``Base.metadata``."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base
from .timestamps import UtcDateTime, utcnow


class UserRow(Base):
    """An account.  ``password_hash`` is argon2id (None: cannot log in, like the cron user);
    ``key_salt`` salts the *other* argon2id derivation that gives the key to the user's answers,
    which is never stored; ``key_epoch`` grows with each password change and ends older logins."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    key_salt: Mapped[str | None] = mapped_column(String(64))
    key_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    privileges: Mapped[str] = mapped_column(Text, default="user", server_default="user")
    first_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
