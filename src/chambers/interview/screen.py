"""A question as it is shown: its text rendered, its fields and choices resolved.

This is what the engine hands to every front end (HTML pages, the JSON API, tests).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .blocks import FieldSpec, QuestionBlock
from .choices import normalize_choices

if TYPE_CHECKING:
    from .context import Run

DEFAULT_RELOAD_SECONDS = 10
MIN_RELOAD_SECONDS = 4


@dataclass
class ScreenChoice:
    value: Any            # the Python value stored when chosen
    label: str            # Markdown source of the label
    label_html: str
    key: str              # the value as the form sends it

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label_html}


@dataclass
class ScreenField:
    number: int
    variable: str | None
    label: str
    label_html: str
    datatype: str
    input_type: str | None
    required: bool
    choices: list[ScreenChoice] | None = None
    min: Any = None
    max: Any = None
    current: Any = None           # the saved value, to fill the field in
    hint: str | None = None
    help_html: str | None = None
    note_html: str | None = None
    js_enable_if: str | None = None
    js_show_if: str | None = None

    @property
    def widget(self) -> str:
        """How the field is drawn: text, number, date, email, area, radio, dropdown, note."""
        if self.datatype == "note":
            return "note"
        if self.choices is not None:
            return "radio" if self.input_type == "radio" else "dropdown"
        if self.input_type == "area":
            return "area"
        if self.input_type == "hidden":
            return "hidden"
        if self.datatype in {"integer", "number", "float", "currency", "range"}:
            return "number"
        if self.datatype in {"date", "email", "time", "datetime", "password"}:
            return self.datatype
        if self.datatype in {"yesno", "noyes", "boolean", "yesnowide", "yesnoradio", "noyesradio"}:
            return "yesno"
        return "text"


@dataclass
class ScreenButton:
    index: int
    label: str
    value: Any
    special: str | None
    url: str | None = None


@dataclass
class ScreenFile:
    format: str
    file_id: int
    filename: str
    url: str


@dataclass
class ScreenAttachment:
    name: str
    filename: str
    description: str
    variable_name: str | None
    files: list[ScreenFile] = field(default_factory=list)


@dataclass
class Screen:
    block_name: str
    kind: str                          # fields, settrue, multiple_choice, yesno, noyes, deadend
    question: str
    question_html: str
    subquestion: str = ""
    subquestion_html: str = ""
    under: str = ""
    under_html: str = ""
    right: str = ""
    right_html: str = ""
    fields: list[ScreenField] = field(default_factory=list)
    buttons: list[ScreenButton] = field(default_factory=list)
    continue_label: str = "Continue"
    continue_field: str | None = None
    choice_field: str | None = None
    yesno_field: str | None = None
    reload_ms: int | None = None
    check_in: str | None = None
    attachments: list[ScreenAttachment] = field(default_factory=list)
    event_list: list[str] = field(default_factory=list)
    mandatory: bool = False
    is_event: bool = False

    @property
    def has_form_inputs(self) -> bool:
        return bool(self.fields or self.buttons or self.continue_field or self.yesno_field)


def reload_ms(value: Any) -> int | None:
    if value is None or value is False:
        return None
    if value is True:
        seconds = DEFAULT_RELOAD_SECONDS
    else:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            return None
        if seconds <= 0:
            return None
    return int(max(seconds, MIN_RELOAD_SECONDS) * 1000)


def build_screen(run: "Run", block: QuestionBlock, *, sought: str | None) -> Screen:
    from .markup import markdown_to_html, render_mako

    ns = run.ns

    def text(source: str, what: str) -> tuple[str, str]:
        if not source:
            return "", ""
        raw = render_mako(source, ns, name=f"{block.where} ({what})").rstrip()
        return raw, markdown_to_html(raw)

    question, question_html = text(block.question, "question")
    subquestion, subquestion_html = text(block.subquestion, "subquestion")
    under, under_html = text(block.under, "under")
    right, right_html = text(block.right, "right")
    fields = [_field(run, spec, number) for number, spec in enumerate(block.fields)]
    buttons = [ScreenButton(index=i, label=render_mako(b.label, ns, name=block.where), value=b.value,
                            special=None if block.choice_field else b.special, url=b.url)
               for i, b in enumerate(block.buttons)]
    reload_value = block.reload
    if isinstance(reload_value, str) and "${" in reload_value:
        reload_value = render_mako(reload_value, ns, name=block.where)
    if block.fields:
        kind = "fields"
    elif block.choice_field or block.buttons:
        kind = "multiple_choice"
    elif block.yesno or block.noyes:
        kind = "yesno" if block.yesno else "noyes"
    elif block.continue_field:
        kind = "settrue"
    else:
        kind = "deadend"
    screen = Screen(block_name=block.name, kind=kind, question=question, question_html=question_html,
                    subquestion=subquestion, subquestion_html=subquestion_html, under=under,
                    under_html=under_html, right=right, right_html=right_html, fields=fields,
                    buttons=buttons, continue_label=block.continue_label,
                    continue_field=block.continue_field, choice_field=block.choice_field,
                    yesno_field=block.yesno or block.noyes, reload_ms=reload_ms(reload_value),
                    check_in=block.check_in, event_list=[sought] if sought else [],
                    mandatory=block.mandatory, is_event=bool(block.event))
    screen.attachments = _attachments(run, block)
    return screen


def _field(run: "Run", spec: FieldSpec, number: int) -> ScreenField:
    from .markup import markdown_to_html, render_mako

    ns = run.ns
    label = render_mako(spec.label, ns, name=f"field {spec.variable}") if spec.label else ""
    choices = None
    raw_choices = None
    if spec.choices_code is not None:
        raw_choices = normalize_choices(eval(spec.choices_code, ns))  # noqa: S307
    elif spec.choices is not None:
        raw_choices = spec.choices
    if raw_choices is not None:
        choices = [ScreenChoice(value=c.value, label=c.label,
                                label_html=markdown_to_html(c.label, strip_outer_paragraph=True),
                                key=choice_key(c.value)) for c in raw_choices]
    current = None
    if spec.variable:
        try:
            current = eval(spec.variable, ns)  # noqa: S307 - a checked target expression
        except (NameError, AttributeError, KeyError, IndexError, TypeError):
            current = None
    if current is None and spec.variable:
        current = _prior_answer(run, spec.variable)
    if current is None and spec.default is not None:
        current = spec.default
    note_html = None
    if spec.datatype == "note":
        source = spec.note if spec.note is not None else spec.html
        note_html = markdown_to_html(render_mako(str(source or ""), ns, name="note"))
    return ScreenField(number=number, variable=spec.variable, label=label,
                       label_html=markdown_to_html(label, strip_outer_paragraph=True) if label else "",
                       datatype=spec.datatype, input_type=spec.input_type, required=spec.required,
                       choices=choices, min=spec.min, max=spec.max, current=current, hint=spec.hint,
                       help_html=markdown_to_html(spec.help) if spec.help else None, note_html=note_html,
                       js_enable_if=spec.js_enable_if, js_show_if=spec.js_show_if)


def _prior_answer(run: "Run", variable: str) -> Any:
    """After Back, a field shows what was answered before (the answers of the step undone)."""
    prior = run.internal.get("prior") or {}
    if not prior:
        return None
    try:
        return eval(variable, {"__builtins__": {}}, dict(prior))  # noqa: S307 - a checked target expression
    except Exception:  # noqa: BLE001 - not answered before
        return None


def choice_key(value: Any) -> str:
    """How a choice's value travels in a form: its text (True/False/None as docassemble writes them)."""
    return str(value)


def _attachments(run: "Run", block: QuestionBlock) -> list[ScreenAttachment]:
    from .attachments import assemble_attachment, describe_collection
    from .objects import DAFileCollection

    out: list[ScreenAttachment] = []
    for spec in block.attachments:
        out.append(describe_collection(run, assemble_attachment(run, spec)))
    if block.attachment_code is not None:
        value = eval(block.attachment_code, run.ns)  # noqa: S307
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, DAFileCollection):
                out.append(describe_collection(run, item))
    return out
