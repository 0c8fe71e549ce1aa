"""The cron user: the identity every scheduled task runs as."""
from __future__ import annotations

from ..interview.context import Identity

CRON_PRIVILEGE = "cron"

#: The only identity holding the ``cron`` privilege.  Logged in, ``session_uid`` ``'cron'``; the
#: session service does not stamp its access time, so ``last_access_days()`` ignores it.
CRON_USER = Identity(user_id=None, email="cron@admin.com", first_name="Cron", last_name="User",
                     privileges=frozenset({CRON_PRIVILEGE}), logged_in=True, session_uid="cron")


def is_cron_user(identity: Identity) -> bool:
    return identity.session_uid == CRON_USER.session_uid and CRON_PRIVILEGE in identity.privileges
