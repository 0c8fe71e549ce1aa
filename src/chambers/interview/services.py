"""What the engine needs from the world outside the interview, supplied by the session service.

The engine never imports the web layer, Celery or the database: a front end hands it an object
with these methods.  The defaults say clearly that a feature is unavailable in this context.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ChambersError

if TYPE_CHECKING:
    from .context import Run


class Unavailable(ChambersError):
    pass


class Services:
    """Base implementation: every capability is unavailable."""

    url_root: str = ""

    # Stored files -------------------------------------------------------------------------
    def save_file(self, run: "Run", filename: str, mimetype: str, data: bytes) -> int:
        raise Unavailable("files cannot be stored in this context")

    def read_file(self, run: "Run", file_id: int) -> bytes:
        raise Unavailable("files cannot be read in this context")

    def file_url(self, file_id: int, filename: str) -> str:
        return f"{self.url_root}/files/{file_id}/{filename}"

    # Background actions --------------------------------------------------------------------
    def launch_task(self, run: "Run", event: str, ui_notification: str | None,
                    arguments: dict[str, Any]) -> str:
        raise Unavailable("background actions are not available in this context")

    def task_state(self, run: "Run", task_id: str) -> dict[str, Any] | None:
        raise Unavailable("background actions are not available in this context")

    def wait_for_task(self, run: "Run", task_id: str, timeout: float | None) -> dict[str, Any] | None:
        raise Unavailable("background actions are not available in this context")

    def revoke_task(self, task_id: str, terminate: bool) -> None:
        raise Unavailable("background actions are not available in this context")

    def report_progress(self, run: "Run", fraction: float, message: str | None) -> None:
        return None

    def note_error_action(self, run: "Run", name: str, arguments: dict[str, Any]) -> None:
        return None

    # E-mail --------------------------------------------------------------------------------
    def interview_email(self, run: "Run", key: str | None, index: int | None) -> str:
        raise Unavailable("e-mail to interviews is not available in this context")

    def get_emails(self, run: "Run", key: str | None, index: int | None) -> list[Any]:
        raise Unavailable("e-mail to interviews is not available in this context")

    def send_email(self, run: "Run", message: dict[str, Any]) -> bool:
        raise Unavailable("sending e-mail is not available in this context")

    # URLs ----------------------------------------------------------------------------------
    def action_url(self, run: "Run", action: str, arguments: dict[str, Any]) -> str:
        from urllib.parse import urlencode
        import json
        query = {"i": run.interview.name, "action": action}
        if arguments:
            query["arguments"] = json.dumps(arguments, default=str)
        return f"{self.url_root}/interview?{urlencode(query)}"
