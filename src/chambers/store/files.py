"""``FileRepository``: files a session uploads or makes, kept until the session is deleted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from .db import Database, affected_rows
from .errors import UnknownFile, UnknownSession
from .models import InterviewSessionRow, StoredFileRow
from .timestamps import utcnow


@dataclass(frozen=True)
class FileInfo:
    id: int
    session_id: str
    filename: str
    mimetype: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class StoredFile(FileInfo):
    data: bytes


_INFO_COLUMNS = (StoredFileRow.id, StoredFileRow.session_id, StoredFileRow.filename, StoredFileRow.mimetype,
                 StoredFileRow.size, StoredFileRow.created_at)


class FileRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, session_id: str, filename: str, mimetype: str, data: bytes) -> StoredFile:
        now = utcnow()
        try:
            with self.db.transaction() as session:
                if session.get(InterviewSessionRow, session_id) is None:
                    raise UnknownSession(session_id)
                file_id = session.execute(insert(StoredFileRow).values(
                    session_id=session_id, filename=filename, mimetype=mimetype, size=len(data), data=data,
                    created_at=now).returning(StoredFileRow.id)).scalar_one()
        except IntegrityError as exc:  # the session was deleted between the check and the insert
            raise UnknownSession(session_id) from exc
        return StoredFile(id=file_id, session_id=session_id, filename=filename, mimetype=mimetype,
                          size=len(data), created_at=now, data=bytes(data))

    def get(self, file_id: int) -> StoredFile:
        with self.db.reading() as session:
            row = session.execute(select(*_INFO_COLUMNS, StoredFileRow.data)
                                  .where(StoredFileRow.id == file_id)).one_or_none()
        if row is None:
            raise UnknownFile(file_id)
        return StoredFile(id=row.id, session_id=row.session_id, filename=row.filename, mimetype=row.mimetype,
                          size=row.size, created_at=row.created_at, data=bytes(row.data))

    def info(self, file_id: int) -> FileInfo:
        """The file's particulars (whose it is, its name), without reading its contents."""
        with self.db.reading() as session:
            row = session.execute(select(*_INFO_COLUMNS).where(StoredFileRow.id == file_id)).one_or_none()
        if row is None:
            raise UnknownFile(file_id)
        return FileInfo(id=row.id, session_id=row.session_id, filename=row.filename, mimetype=row.mimetype,
                        size=row.size, created_at=row.created_at)

    def list_for_session(self, session_id: str) -> list[FileInfo]:
        """The session's files without their contents, oldest first."""
        with self.db.reading() as session:
            rows = session.execute(select(*_INFO_COLUMNS).where(StoredFileRow.session_id == session_id)
                                   .order_by(StoredFileRow.id)).all()
        return [FileInfo(id=r.id, session_id=r.session_id, filename=r.filename, mimetype=r.mimetype,
                         size=r.size, created_at=r.created_at) for r in rows]

    def delete(self, file_id: int) -> bool:
        with self.db.transaction() as session:
            result = session.execute(delete(StoredFileRow).where(StoredFileRow.id == file_id),
                                     execution_options={"synchronize_session": False})
            return affected_rows(result) == 1
