"""Build the pieces of a running Chambers from :class:`~chambers.config.Settings`."""
from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .interview.loader import InterviewLibrary
from .locks import FileLocks, LocalLocks, Locks, RedisLocks
from .mail.addresses import mail_domain
from .mail.mailboxes import InterviewMail
from .mail.outbound import mailer_from_settings
from .sessions import SessionService
from .store.apikeys import ApiKeyRepository
from .store.db import Database
from .store.files import FileRepository
from .store.mail import MailRepository
from .store.sessions import SessionRepository


@dataclass
class Chambers:
    settings: Settings
    db: Database
    library: InterviewLibrary
    service: SessionService
    api_keys: ApiKeyRepository
    files: FileRepository


def session_locks(db: Database, redis_client=None) -> Locks:
    """The session lock every process sharing ``db`` must agree on: with a SQLite file, record
    locks in a file beside it (its users are all on this machine, and need no round trip);
    otherwise Redis's (a cluster); without Redis, this process's own (an in-memory database)."""
    if db.sqlite_file is not None:
        return FileLocks(db.sqlite_file + ".locks")
    if redis_client is not None:
        return RedisLocks(redis_client)
    return LocalLocks()


def build(settings: Settings, *, tasks=None, locks=None, mail=None, redis_client=None) -> Chambers:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    library = InterviewLibrary(*settings.interview_dirs)
    files = FileRepository(db)
    if mail is None:  # interview_email() / get_emails()
        mail = InterviewMail(MailRepository(db), mail_domain(settings))
    service = SessionService(library, SessionRepository(db), files=files, tasks=tasks,
                             locks=locks or session_locks(db, redis_client), server_key=settings.server_key(),
                             url_root=settings.url_root, mail=mail, mailer=mailer_from_settings(settings, db))
    return Chambers(settings=settings, db=db, library=library, service=service,
                    api_keys=ApiKeyRepository(db), files=files)
