"""``chambers user ...``: create accounts, list them, set privileges, make API keys for them."""
from __future__ import annotations

import argparse
import getpass
import sys

from . import privileges


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="user_command", required=True)
    create = sub.add_parser("create", help="create an account (asks for the password)")
    create.add_argument("email")
    create.add_argument("--privilege", action="append", choices=sorted(privileges.PRIVILEGES - {privileges.CRON}),
                        help="admin, developer or user (repeat for several; default user)")
    create.add_argument("--first-name", default="")
    create.add_argument("--last-name", default="")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sub.add_parser("list", help="list the accounts")
    grant = sub.add_parser("privileges", help="set an account's privileges")
    grant.add_argument("email")
    grant.add_argument("privilege", nargs="+", choices=sorted(privileges.PRIVILEGES - {privileges.CRON}))
    apikey = sub.add_parser("apikey", help="create an API key that acts for this account, and print it")
    apikey.add_argument("email")
    apikey.add_argument("name", nargs="?", default="default")
    for each in (create, grant, apikey, sub.choices["list"]):
        each.add_argument("--data", help="data directory (as for serve)")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("The password again: ") != first:
        raise SystemExit("error: the two passwords are not the same")
    return first


def run(args: argparse.Namespace, settings) -> int:
    from ..store.apikeys import ApiKeyRepository
    from ..store.db import Database
    from ..store.users import UserRepository
    from .accounts import AccountError, Accounts

    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    users = UserRepository(db)
    try:
        if args.user_command == "create":
            accounts = Accounts(users, service=None)  # type: ignore[arg-type] - creating re-keys nothing
            user = accounts.create(args.email, _password(args), grants=set(args.privilege or ["user"]),
                                   first_name=args.first_name, last_name=args.last_name)
            print(f"created account {user.id} for {user.email} ({', '.join(sorted(user.privileges))})")
        elif args.user_command == "list":
            for user in users.list_all():
                state = "can log in" if user.can_log_in else "cannot log in"
                print(f"{user.id}\t{user.email}\t{' '.join(sorted(user.privileges))}\t{state}")
        else:
            user = users.by_email(args.email)
            if user is None or not user.can_log_in:
                print(f"error: no account {args.email!r} that can log in", file=sys.stderr)
                return 1
            if args.user_command == "privileges":
                users.set_privileges(user.id, privileges.check(set(args.privilege)))
                print(f"{user.email}: {' '.join(sorted(args.privilege))}")
            else:
                print(ApiKeyRepository(db).create(args.name, owner_id=user.id))
    except (AccountError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0
