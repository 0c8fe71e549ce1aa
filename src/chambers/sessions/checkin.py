"""Check in: the open screen sends its draft values; the question's ``check in`` action runs
against the saved answers (which it may change, and which are saved) and its
``background_response()`` becomes commands for the browser.

Commands are plain dicts, the same for the browser and API clients::

    {"command": "target", "target": "feedback", "content": "<em>…</em>"}
    {"command": "fields", "values": {"var_c": 12.0, "state": {"choices": [[v, label], …], "value": None}}}
    {"command": "flash", "message": "…"}
    {"command": "javascript", "code": "…"}
    {"command": "refresh"}
    {"command": "progress", "task": "…", "fraction": 0.5, "message": "…"}
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..interview.choices import normalize_choices
from ..interview.context import Identity, Run
from ..interview.engine import assemble
from ..interview.outcomes import BackgroundResponse, TargetedTemplate
from ..interview.targets import is_target
from .service import LOCK_TIMEOUT, SessionRef

if TYPE_CHECKING:
    from .service import SessionService

MODES = ("flash", "javascript", "refresh", "fields")
MAX_PARAMETERS = 500
MAX_VALUE_LENGTH = 100_000


class BadCheckin(ValueError):
    """The check-in request itself is malformed; nothing was run or saved."""


@dataclass
class CheckinReply:
    commands: list[dict[str, Any]] = field(default_factory=list)
    action_seconds: float = 0.0   # how long the interview's own code ran (the action and what it led to)

    def as_dict(self) -> dict[str, Any]:
        return {"success": True, "commands": self.commands}


def validate_parameters(parameters: Any) -> dict[str, Any]:
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise BadCheckin("parameters must be an object mapping variable names to values")
    if len(parameters) > MAX_PARAMETERS:
        raise BadCheckin(f"too many parameters (at most {MAX_PARAMETERS})")
    clean: dict[str, Any] = {}
    for key, value in parameters.items():
        if not isinstance(key, str) or not (is_target(key) or key in {"_initial", "_changed"}):
            raise BadCheckin(f"{key!r} is not a variable name")
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise BadCheckin(f"the value of {key!r} must be text or a list of text")
            if sum(len(v) for v in value) > MAX_VALUE_LENGTH:
                raise BadCheckin(f"the value of {key!r} is too long")
        elif value is not None and not isinstance(value, (str, bool)):
            raise BadCheckin(f"the value of {key!r} must be text")
        elif isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise BadCheckin(f"the value of {key!r} is too long")
        clean[key] = value
    return clean


def check_in(service: "SessionService", ref: SessionRef, identity: Identity, action: str | None,
             parameters: Any, *, interface: str = "checkin", acknowledged: Any = None,
             claim: bool = False, lock_timeout: float = LOCK_TIMEOUT) -> CheckinReply:
    """Run the check-in action (if any) and collect notifications of finished background actions.

    ``acknowledged``: ids of notifications the page has applied (never sent again).  ``claim``:
    mark the notifications returned now as delivered (for API clients, which do not acknowledge).
    ``lock_timeout``: how long the action waits for the session's lock (0: fail at once with
    :class:`~chambers.locks.LockTimeout`; nothing of the run is saved).
    """
    if action is not None and (not isinstance(action, str) or not is_target(action)):
        raise BadCheckin(f"{action!r} is not an action name")
    if acknowledged is not None and (not isinstance(acknowledged, list)
                                     or not all(isinstance(t, str) and len(t) <= 64 for t in acknowledged)):
        raise BadCheckin("ack must be a list of task ids")
    arguments = validate_parameters(parameters)
    reply = CheckinReply()
    if action:
        captured: dict[str, Any] = {}

        def prepare(run: Run):
            started = time.perf_counter()
            outcome = assemble(run)
            reply.action_seconds = time.perf_counter() - started
            captured["outcome"] = outcome
            return outcome

        ran = service.execute(ref, identity, interface=interface, prepare=prepare, action=action,
                              arguments=arguments, checkin=True, new_step=False, lock_timeout=lock_timeout)
        command = command_for(captured.get("outcome"))
        if command is not None:
            reply.commands.append(command)
        if ran.notices or acknowledged:
            _collect_notifications(service, ref, reply, acknowledged, claim)
    else:
        # A heartbeat: one statement proves the caller may still see the session (from its
        # bookkeeping, never its answers) and says whether a finished background action waits to
        # tell the screen; only then, or to record the page's acknowledgements, are they read.
        if service.check_access(ref).notices or acknowledged:
            _collect_notifications(service, ref, reply, acknowledged, claim)
    return reply


def _collect_notifications(service: "SessionService", ref: SessionRef, reply: CheckinReply, acknowledged: Any,
                           claim: bool) -> None:
    if service.tasks is not None:
        if acknowledged:
            service.tasks.acknowledge(ref.session_id, acknowledged)
        reply.commands.extend(task_commands(service, ref, claim=claim))


def command_for(outcome: Any) -> dict[str, Any] | None:
    """The browser command an action's outcome asks for, or None."""
    from ..interview.markup import markdown_to_html
    if isinstance(outcome, TargetedTemplate):
        return {"command": "target", "target": outcome.target,
                "content": markdown_to_html(outcome.content, strip_outer_paragraph=True)}
    if not isinstance(outcome, BackgroundResponse):
        return None
    return payload_command(outcome.payload)


def payload_command(payload: Any, mode: str | None = None) -> dict[str, Any] | None:
    value = payload
    if mode is None:
        pair = payload.get("pargs") if isinstance(payload, dict) and set(payload) == {"pargs"} else payload
        if isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[1] in MODES:
            value, mode = pair
        elif payload == "refresh":
            mode = "refresh"
    if mode == "refresh":
        return {"command": "refresh"}
    if mode == "flash":
        return {"command": "flash", "message": str(value)}
    if mode == "javascript":
        return {"command": "javascript", "code": str(value)}
    if mode == "fields":
        if not isinstance(value, Mapping):
            return None
        return {"command": "fields", "values": {str(k): _field_value(v) for k, v in value.items()}}
    return target_command(value)


def target_command(value: Any) -> dict[str, Any] | None:
    items = value if isinstance(value, list) else [value]
    targets = [{"target": str(i["target"]), "content": str(i.get("content", ""))}
               for i in items if isinstance(i, Mapping) and "target" in i]
    if not targets:
        return None
    return {"command": "target", "targets": targets} if len(targets) > 1 else {"command": "target", **targets[0]}


def _field_value(value: Any) -> Any:
    if isinstance(value, Mapping) and "choices" in value:
        choices = [[c.value, c.label] for c in normalize_choices(value["choices"])]
        return {"choices": choices, "value": value.get("value")}
    return value


def task_commands(service: "SessionService", ref: SessionRef, *, claim: bool) -> list[dict[str, Any]]:
    """Finished background actions that asked to notify the screen and are not yet acknowledged."""
    commands = []
    for note in service.tasks.notifications(ref.session_id, claim=claim, key=service.key_of(ref)):
        if note.get("mode") and note.get("notify", True):
            command = payload_command(note.get("value"), note["mode"])
            if command is not None:
                commands.append({**command, "task": note["task"]})
    return commands
