"""The blocks an interview file is made of, as plain data.

The loader builds these from YAML; the engine reads them.  Nothing here runs interview code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import CodeType
from typing import Any

SPECIAL_BUTTONS = frozenset({"refresh", "leave", "exit", "restart", "continue", "signin",
                             "register", "new_session", "logout", "exit_logout"})


@dataclass
class Block:
    number: int
    path: str
    line: int
    id: str | None = None
    mandatory: bool = False
    initial: bool = False
    event: str | None = None
    need: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The block's stable name: ``ID <id>`` when it has an id, else ``Question_<n>``."""
        return f"ID {self.id}" if self.id else f"Question_{self.number}"

    @property
    def where(self) -> str:
        return f"{self.path}, line {self.line}"

    def defines(self) -> set[str]:
        """Names this block offers to define."""
        return {self.event} if self.event else set()


@dataclass
class CodeBlock(Block):
    source: str = ""
    compiled: CodeType | None = None
    assigns: set[str] = field(default_factory=set)
    time_limit: float | None = None     # seconds a background action of this event may run
    retries: int | None = None          # runs after the first if it fails (background actions)

    def defines(self) -> set[str]:
        # An event handler offers only its event: the names it assigns are its business.
        return super().defines() if self.event else self.assigns


@dataclass
class Choice:
    value: Any
    label: str


@dataclass
class FieldSpec:
    label: str
    variable: str | None
    datatype: str = "text"
    input_type: str | None = None
    choices: list[Choice] | None = None
    choices_code: CodeType | None = None
    choices_source: str | None = None
    required: bool = True
    min: Any = None
    max: Any = None
    default: Any = None
    hint: str | None = None
    help: str | None = None
    js_enable_if: str | None = None
    js_show_if: str | None = None
    note: str | None = None
    html: str | None = None
    line: int = 0


@dataclass
class Button:
    label: str
    value: Any
    url: str | None = None

    @property
    def special(self) -> str | None:
        return self.value if isinstance(self.value, str) and self.value in SPECIAL_BUTTONS else None


@dataclass
class AttachmentSpec:
    name: str = ""
    filename: str = "document"
    content: str = ""
    description: str = ""
    variable_name: str | None = None
    valid_formats: list[str] = field(default_factory=lambda: ["pdf", "rtf", "html"])


@dataclass
class QuestionBlock(Block):
    question: str = ""
    subquestion: str = ""
    under: str = ""
    right: str = ""
    fields: list[FieldSpec] = field(default_factory=list)
    continue_field: str | None = None
    choice_field: str | None = None
    buttons: list[Button] = field(default_factory=list)
    yesno: str | None = None
    noyes: str | None = None
    continue_label: str = "Continue"
    reload: Any = None
    check_in: str | None = None
    attachments: list[AttachmentSpec] = field(default_factory=list)
    attachment_code: CodeType | None = None
    attachment_code_source: str | None = None

    def defines(self) -> set[str]:
        names = super().defines()
        if self.event:
            return names
        for spec in self.fields:
            if spec.variable:
                names.add(spec.variable)
        for name in (self.continue_field, self.choice_field, self.yesno, self.noyes):
            if name:
                names.add(name)
        return names

    @property
    def stored_variables(self) -> list[str]:
        return sorted(self.defines() - ({self.event} if self.event else set()))


@dataclass
class TemplateBlock(Block):
    template_name: str = ""
    content: str = ""
    subject: str = ""
    target: str | None = None

    def defines(self) -> set[str]:
        return {self.template_name}


@dataclass
class AttachmentBlock(Block):
    spec: AttachmentSpec = field(default_factory=AttachmentSpec)

    def defines(self) -> set[str]:
        return {self.spec.variable_name} if self.spec.variable_name else set()


@dataclass
class ObjectsBlock(Block):
    objects: list[tuple[str, str]] = field(default_factory=list)

    def defines(self) -> set[str]:
        return {name for name, _ in self.objects}
