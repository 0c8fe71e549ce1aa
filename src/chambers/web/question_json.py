"""A :class:`~chambers.interview.screen.Screen` as docassemble's question JSON (api.md §3).

Texts go out as their Markdown source after Mako (docassemble's non-encoded form); only choice
labels are HTML.  Keys api.md marks MUST or SHOULD are all here; a few cheap OPT ones too.
"""
from __future__ import annotations

from typing import Any

from ..interview.model import Interview
from ..interview.outcomes import Command
from ..interview.screen import Screen, ScreenAttachment, ScreenField
from .json_values import jsonable

NUMERIC = {"integer", "number", "float", "currency", "range"}
YES_STYLE = {"yesno", "yesnowide", "yesnoradio", "boolean"}
NO_STYLE = {"noyes", "noyeswide", "noyesradio"}
BOOLEAN_INPUT_TYPES = {"yesnowide": "yesnowide", "noyeswide": "noyeswide", "yesnoradio": "radio",
                       "noyesradio": "radio"}
REQUIRED_MESSAGE = "This field is required."


def question_json(screen: Screen, interview: Interview, *, steps: int,
                  message_log: list[dict[str, str]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "questionType": screen.kind,
        "questionName": screen.block_name,
        "questionText": screen.question,
    }
    if screen.subquestion:
        data["subquestionText"] = screen.subquestion
    if screen.under:
        data["underText"] = screen.under
    if screen.right:
        data["rightText"] = screen.right
    fields = _fields(screen)
    if fields:
        data["fields"] = fields
    if screen.continue_field and screen.kind in {"fields", "yesno", "noyes"}:
        data["question_variable_name"] = screen.continue_field
    if screen.event_list:
        data["event_list"] = list(screen.event_list)
    if screen.reload_ms:
        data["reload"] = screen.reload_ms
        data["reload_after"] = screen.reload_ms
    data["continueLabel"] = screen.continue_label or "Continue"
    if screen.kind in {"yesno", "noyes"}:
        data["yesLabel"], data["noLabel"] = "Yes", "No"
    if screen.kind == "multiple_choice":
        data["questionVariety"] = "buttons"
    if screen.attachments:
        data["attachments"] = [_attachment(a) for a in screen.attachments]
    data.update(_common(interview, steps=steps, message_log=message_log))
    data["mandatory"] = screen.mandatory
    return data


def command_json(command: Command, interview: Interview, *, steps: int,
                 message_log: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A command pseudo-question: the client acts on ``questionType`` (exit, leave, restart ...)."""
    data = {"questionType": command.name, "questionName": f"command {command.name}",
            "questionText": command.url or ""}
    if command.name == "wait" and command.sleep:
        data["reload"] = data["reload_after"] = int(command.sleep * 1000)
    data.update(_common(interview, steps=steps, message_log=message_log))
    return data


def undefined_variable_json(name: str, message_log: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"questionType": "undefined_variable", "variable": name, "message_log": list(message_log or [])}


def _common(interview: Interview, *, steps: int, message_log) -> dict[str, Any]:
    allow_back = steps > 1
    data: dict[str, Any] = {
        "steps": steps,
        "allow_going_back": allow_back,
        "language": "*",
        "lang": "en",
        "progress": 0,
        "message_log": list(message_log or []),
        "validation_messages": {},
        "interview_options": jsonable(interview.features),
        "title": interview.title,
        "short_title": interview.short_title,
        "display_title": interview.title,
        "browser_title": interview.title,
        "exit_link": "leave",
        "exit_url": None,
        "exit_label": "Exit",
        "section": None,
        "display_section": None,
        "sections": [],
    }
    if allow_back:
        data["backTitle"] = "Go back to the previous question"
        data["cornerBackButton"] = "Back"
        data["questionBackButton"] = "Back"
    return data


# Fields ---------------------------------------------------------------------------------------------
def _fields(screen: Screen) -> list[dict[str, Any]]:
    if screen.kind == "fields":
        return [_field(f) for f in screen.fields]
    if screen.kind == "settrue" and screen.continue_field:
        return [{"number": 0, "variable_name": screen.continue_field, "required": True, "active": True,
                 "validation_messages": {"required": REQUIRED_MESSAGE}}]
    if screen.kind in {"yesno", "noyes"} and screen.yesno_field:
        return [{"number": 0, "variable_name": screen.yesno_field, "datatype": "boolean",
                 "sign": 1 if screen.kind == "yesno" else -1, "true_label": "Yes", "false_label": "No",
                 "required": False, "active": True, "validation_messages": {}}]
    if screen.kind == "multiple_choice" and screen.buttons:
        return [_choice_field(screen)]
    return []


def _field(fld: ScreenField) -> dict[str, Any]:
    if fld.datatype == "note" or fld.variable is None:
        return {"number": fld.number, "datatype": "note", "note": fld.note_html or "", "active": True}
    datatype, input_type, sign = _datatype(fld)
    out: dict[str, Any] = {"number": fld.number, "variable_name": fld.variable, "datatype": datatype,
                           "label": fld.label, "required": fld.required and datatype != "boolean",
                           "active": True}
    if input_type:
        out["inputtype"] = input_type
    if sign is not None:
        out["sign"] = sign
    if fld.choices is not None:
        out["choices"] = [{"label": c.label_html, "value": jsonable(c.value)} for c in fld.choices]
    if fld.min is not None:
        out["min"] = str(fld.min)
    if fld.max is not None:
        out["max"] = str(fld.max)
    if fld.datatype == "integer":
        out["step"] = "1"
    if fld.current is not None:
        out["default"] = jsonable(fld.current)
    if fld.hint:
        out["hint"] = fld.hint
    if fld.help_html:
        out["helptext"] = fld.help_html
    if fld.js_show_if:
        out["show_if_js"] = {"expression": fld.js_show_if, "sign": 1}
    if fld.js_enable_if:
        out["enable_if_js"] = {"expression": fld.js_enable_if, "sign": 1}
    out["validation_messages"] = validation_messages(fld)
    return out


def _datatype(fld: ScreenField) -> tuple[str, str | None, int | None]:
    """(datatype, inputtype, sign) the way docassemble reports them."""
    if fld.datatype in YES_STYLE:
        return "boolean", BOOLEAN_INPUT_TYPES.get(fld.datatype), 1
    if fld.datatype in NO_STYLE:
        return "boolean", BOOLEAN_INPUT_TYPES.get(fld.datatype), -1
    if fld.datatype == "hidden":
        return "text", "hidden", None
    if fld.datatype == "raw":
        return "text", None, None
    return fld.datatype, fld.input_type, None


def validation_messages(fld: ScreenField) -> dict[str, str]:
    messages = {}
    if fld.required:
        messages["required"] = REQUIRED_MESSAGE
    if fld.datatype in NUMERIC:
        messages["number"] = "You need to enter a number."
        if fld.datatype == "integer":
            messages["step"] = "Please enter a whole number."
        if fld.min is not None:
            messages["min"] = f"You need to enter a number that is at least {fld.min}."
        if fld.max is not None:
            messages["max"] = f"You need to enter a number that is at most {fld.max}."
    elif fld.datatype == "email":
        messages["email"] = "You need to enter a complete e-mail address."
    elif fld.datatype == "date":
        messages["date"] = "You need to enter a valid date."
    return messages


def _choice_field(screen: Screen) -> dict[str, Any]:
    from ..interview.markup import markdown_to_html

    def label(text: str) -> str:
        return markdown_to_html(text, strip_outer_paragraph=True) if text else ""

    out: dict[str, Any] = {"number": 0, "fieldtype": "multiple_choice", "required": True, "active": True}
    if screen.choice_field:
        out["variable_name"] = screen.choice_field
        values = [b.value for b in screen.buttons]
        if all(v is True or v is False for v in values):
            out["datatype"] = "boolean"
        elif all(v is True or v is False or v is None for v in values):
            out["datatype"] = "threestate"
        out["choices"] = [{"label": label(b.label), "value": jsonable(b.value)} for b in screen.buttons]
    else:
        target = f"_internal[\"answers\"][{screen.block_name!r}]"
        out["choices"] = [{"label": label(b.label), "variable_name": target, "value": b.index}
                          for b in screen.buttons]
    out["validation_messages"] = {"required": REQUIRED_MESSAGE}
    return out


def _attachment(attachment: ScreenAttachment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": attachment.name,
        "description": attachment.description,
        "filename": attachment.filename,
        "valid_formats": [f.format for f in attachment.files],
        "url": {f.format: f.url for f in attachment.files},
        "number": {f.format: f.file_id for f in attachment.files},
        "filename_with_extension": {f.format: f.filename for f in attachment.files},
    }
    if attachment.variable_name:
        out["variable_name"] = attachment.variable_name
    return out
