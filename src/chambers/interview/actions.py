"""Functions interview code calls that act on the current run: actions, stopping, identity, logging."""
from __future__ import annotations

from typing import Any

from .context import current
from .outcomes import (BackgroundResponse, BackgroundResponseAction, Command, Response, StopRun,
                       payload_from_args)
from .screen import Screen


def action_argument(name: str | None = None) -> Any:
    run = current()
    if name is None:
        return run.action
    return run.arguments.get(name)


def action_arguments() -> dict[str, Any]:
    args = dict(current().arguments)
    if "_initial" in args and "_changed" in args:
        args.pop("_initial")
        args.pop("_changed")
    return args


def process_action() -> None:
    from .engine import _ForcedSeek  # the engine owns the control flow of a forced seek
    run = current()
    if run.action is None:
        stacks = run.internal.get("event_stack", {})
        stack = stacks.get(run.identity.session_uid) or []
        if not stack:
            return
        entry = stack[-1]
        run.action, run.arguments = entry["action"], dict(entry.get("arguments") or {})
    name = run.action
    run.action = None
    run.action_taken = True
    if not run.checkin:
        stack = run.internal.setdefault("event_stack", {}).setdefault(run.identity.session_uid, [])
        if not any(e["action"] == name for e in stack):
            stack.append({"action": name, "arguments": dict(run.arguments)})
    run.forgiven.add(name)
    raise _ForcedSeek(name)


def url_action(action: str, **arguments: Any) -> str:
    run = current()
    return run.services.action_url(run, action, arguments)


def response(text: Any = None, *, content_type: str = "text/plain; charset=utf-8", response_code: int = 200,
             null: bool = False, binaryresponse: bytes | None = None, sleep: float | None = None,
             **_: Any) -> None:
    if null:
        raise StopRun(Response(body="null", content_type=content_type, status=response_code, null=True))
    if binaryresponse is not None:
        raise StopRun(Response(body=binaryresponse, content_type=content_type, status=response_code))
    body = "Empty Response" if text is None else str(text)
    raise StopRun(Response(body=body, content_type=content_type, status=response_code))


def json_response(data: Any, response_code: int = 200) -> None:
    import json
    raise StopRun(Response(body=json.dumps(data, default=str), content_type="application/json",
                           status=response_code))


def command(name: str = "exit", url: str | None = None, sleep: float | None = None, **_: Any) -> None:
    raise StopRun(Command(name=name, url=url, sleep=sleep))


def message(question: str, subquestion: str = "", **_: Any) -> None:
    from .markup import markdown_to_html
    raise StopRun(Screen(block_name="message", kind="deadend", question=question,
                         question_html=markdown_to_html(question), subquestion=subquestion,
                         subquestion_html=markdown_to_html(subquestion) if subquestion else ""))


def background_response(*args: Any, **kwargs: Any) -> None:
    kwargs.pop("sleep", None)
    raise StopRun(BackgroundResponse(payload=payload_from_args(args, kwargs), has_payload=bool(args or kwargs)))


def background_response_action(name: str, **arguments: Any) -> None:
    raise StopRun(BackgroundResponseAction(action=name, arguments=arguments))


def background_error_action(name: str, **arguments: Any) -> None:
    run = current()
    run.error_action = (name, arguments)
    run.services.note_error_action(run, name, arguments)  # kept, in case the worker dies mid-run


def background_action(event: str, ui_notification: str | None = None, **arguments: Any):
    from .tasks import BackgroundTask
    run = current()
    task_id = run.services.launch_task(run, event, ui_notification, arguments)
    return BackgroundTask(task_id)


def background_progress(fraction: float, message: str | None = None) -> None:
    """Report how far a running background action has got (0.0 to 1.0), shown on the open screen."""
    try:
        fraction = float(fraction)
    except (TypeError, ValueError):
        raise ValueError(f"background_progress() needs a number from 0 to 1, not {fraction!r}") from None
    fraction = min(max(fraction, 0.0), 1.0)
    run = current()
    run.services.report_progress(run, fraction, None if message is None else str(message))


def set_save_status(status: str) -> None:
    if status not in {"new", "overwrite", "ignore"}:
        raise ValueError("set_save_status() takes 'new', 'overwrite' or 'ignore'")
    current().save_status = status


def user_info() -> Any:
    from .objects import DAObject
    ident = current().identity
    return DAObject("user_info", id=ident.user_id, email=ident.email, first_name=ident.first_name,
                    last_name=ident.last_name, privileges=sorted(ident.privileges),
                    session_uid=ident.session_uid, logged_in=ident.logged_in)


def user_logged_in() -> bool:
    return current().identity.logged_in


def user_has_privilege(*privileges: Any) -> bool:
    wanted: list[str] = []
    for item in privileges:
        wanted.extend([item] if isinstance(item, str) else list(item))
    ident = current().identity
    return any(p in ident.privileges for p in wanted)


def user_privileges() -> list[str]:
    return sorted(current().identity.privileges)


def log(text: Any, priority: str = "log") -> None:
    current().log.append({"message": str(text), "priority": priority})


def interface() -> str:
    return current().interface


def interview_email(key: str | None = None, index: int | None = None) -> str:
    if index is not None and key is None:
        raise ValueError("interview_email(): an index needs a key")
    run = current()
    return run.services.interview_email(run, key, index)


def get_emails(key: str | None = None, index: int | None = None) -> list[Any]:
    run = current()
    return run.services.get_emails(run, key, index)
