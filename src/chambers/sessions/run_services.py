"""The :class:`~chambers.interview.services.Services` a run gets from the session service."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..interview.services import Services, Unavailable

if TYPE_CHECKING:
    from ..interview.context import Run
    from .service import SessionService


class RunServices(Services):
    def __init__(self, service: "SessionService", run: "Run"):
        self.service = service
        self.url_root = service.url_root

    def save_file(self, run: "Run", filename: str, mimetype: str, data: bytes) -> int:
        if self.service.files is None:
            raise Unavailable("no file store is configured")
        return self.service.save_file(run, filename, mimetype, data)

    def read_file(self, run: "Run", file_id: int) -> bytes:
        if self.service.files is None:
            raise Unavailable("no file store is configured")
        return self.service.read_file(run, file_id)

    def launch_task(self, run: "Run", event: str, ui_notification: str | None, arguments: dict[str, Any]) -> str:
        if self.service.tasks is None:
            raise Unavailable("background actions need a task queue; none is configured")
        return self.service.tasks.launch(run, event, ui_notification, arguments, key=self.service.sealing_key(run))

    def task_state(self, run: "Run", task_id: str) -> dict[str, Any] | None:
        if self.service.tasks is None:
            raise Unavailable("background actions need a task queue; none is configured")
        return self.service.tasks.state(task_id, self.service.run_key(run))

    def wait_for_task(self, run: "Run", task_id: str, timeout: float | None) -> dict[str, Any] | None:
        if self.service.tasks is None:
            raise Unavailable("background actions need a task queue; none is configured")
        return self.service.tasks.wait(task_id, timeout, self.service.run_key(run))

    def revoke_task(self, task_id: str, terminate: bool) -> None:
        if self.service.tasks is None:
            raise Unavailable("background actions need a task queue; none is configured")
        self.service.tasks.revoke(task_id, terminate)

    def report_progress(self, run: "Run", fraction: float, message: str | None) -> None:
        if self.service.tasks is not None:
            self.service.tasks.progress(run, fraction, message)

    def note_error_action(self, run: "Run", name: str, arguments: dict[str, Any]) -> None:
        if self.service.tasks is not None:
            self.service.tasks.note_error_action(run, name, arguments, key=self.service.sealing_key(run))

    def interview_email(self, run: "Run", key: str | None, index: int | None) -> str:
        if self.service.mail is None:
            raise Unavailable("e-mail to interviews is not configured")
        return self.service.mail.address_for(run, key, index)

    def get_emails(self, run: "Run", key: str | None, index: int | None) -> list[Any]:
        if self.service.mail is None:
            raise Unavailable("e-mail to interviews is not configured")
        return self.service.mail.emails_for(run, key, index)

    def send_email(self, run: "Run", message: dict[str, Any]) -> bool:
        if self.service.mailer is None:
            raise Unavailable("sending e-mail is not configured")
        from ..mail.outbound import OutgoingMessage
        return self.service.mailer.send(OutgoingMessage.from_dict(message))
