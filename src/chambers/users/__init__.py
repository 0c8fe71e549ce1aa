"""Accounts: sign up, log in, privileges, the cron user, and the keys to a user's answers.

A user's answers are encrypted under a key derived from the password (argon2id, its own salt),
which the server holds only while a request from the logged-in browser is being served.
"""
from .accounts import AccountError, Accounts, identity_for
from .privileges import ADMIN, CRON, DEVELOPER, PRIVILEGES, USER

__all__ = ["ADMIN", "AccountError", "Accounts", "CRON", "DEVELOPER", "PRIVILEGES", "USER", "identity_for"]
