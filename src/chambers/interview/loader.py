"""Read docassemble-format interview YAML into an :class:`Interview`.

Every error names the file and the line of the block (or specifier) that is wrong.
"""
from __future__ import annotations

import ast
import os
import threading
from pathlib import Path
from typing import Any

import yaml

from .blocks import (AttachmentBlock, AttachmentSpec, Block, Button, Choice, CodeBlock, FieldSpec,
                     ObjectsBlock, QuestionBlock, TemplateBlock)
from .errors import InterviewSourceError
from .model import Interview
from .targets import assigned_targets, is_target

MODIFIERS = {"mandatory", "initial", "event", "need", "id", "comment", "if", "language",
             "generic object", "sets", "only sets", "scan for variables", "reconsider",
             "undefine", "allow emailing", "allow downloading", "progress", "section",
             "prevent going back", "role", "decoration", "help", "audio", "video", "terms",
             "auto terms", "css class", "table css class", "hide continue button",
             "disable continue button", "script", "css", "back button", "back button label",
             "corner back button label", "action buttons", "breadcrumb", "validation code",
             "depends on", "on change", "tabular"}
QUESTION_KEYS = {"question", "subquestion", "under", "right", "pre", "post", "fields", "field",
                 "buttons", "choices", "dropdown", "combobox", "yesno", "noyes", "reload",
                 "check in", "attachment", "attachments", "attachment code", "continue button label",
                 "continue button field", "signature", "review", "note"}
CODE_KEYS = {"code", "time limit", "retries"}   # the last two: background actions (event blocks)
TEMPLATE_KEYS = {"template", "content", "subject", "target", "content file", "reconsider"}
ATTACHMENT_KEYS = {"attachment", "attachments"}
CONFIG_TYPES = {"metadata", "modules", "imports", "default role", "features", "objects", "include",
                "default screen parts", "interview help", "sections", "translations",
                "default language", "default validation messages"}
FIELD_KEYS = {"datatype", "input type", "choices", "code", "required", "min", "max", "default",
              "hint", "help", "js enable if", "js show if", "js disable if", "js hide if", "label",
              "field", "note", "html", "show if", "hide if", "enable if", "disable if", "step",
              "minlength", "maxlength", "rows", "css class", "under text", "address autocomplete",
              "validate", "validation messages", "exclude", "none of the above", "shuffle", "accept",
              "label above field", "grid", "item grid", "maximum image size", "disable others",
              "uncheck others", "check others", "all of the above", "scale", "inline width"}
DATATYPES = {"text", "integer", "number", "float", "currency", "date", "email", "area", "radio",
             "dropdown", "combobox", "yesno", "noyes", "yesnoradio", "noyesradio", "yesnowide",
             "boolean", "password", "time", "datetime", "range", "hidden", "checkboxes",
             "multiselect", "raw", "url", "ml"}
INPUT_TYPES = {"area", "radio", "dropdown", "combobox", "hidden", "datalist", "ajax"}


class _Source:
    """One YAML document with the line of each top-level key."""

    def __init__(self, data: dict[str, Any], line: int, key_lines: dict[str, int], path: str):
        self.data, self.line, self.key_lines, self.path = data, line, key_lines, path

    def error(self, message: str, key: str | None = None) -> InterviewSourceError:
        return InterviewSourceError(message, path=self.path, line=self.key_lines.get(key, self.line))


def load_file(path: str | os.PathLike[str], *, name: str | None = None) -> Interview:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InterviewSourceError(f"cannot read interview file: {exc.strerror}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InterviewSourceError("the file is not UTF-8 text", path=str(path)) from exc
    return load_text(text, path=str(path), name=name or path.name, base_dir=path.parent)


def load_text(text: str, *, path: str = "<interview>", name: str | None = None,
              base_dir: Path | None = None) -> Interview:
    documents = list(_documents(text, path))
    included: list[_Source] = []
    for source in documents:
        if "include" in source.data:
            included.extend(_include(source, base_dir))
    documents = [d for d in documents if "include" not in d.data] + included
    builder = _Builder(path)
    for source in documents:
        builder.add(source)
    return Interview(name=name or path, path=path, blocks=builder.blocks, metadata=builder.metadata,
                     features=builder.features, modules=builder.modules, imports=builder.imports,
                     default_role=builder.default_role)


def _include(source: _Source, base_dir: Path | None) -> list[_Source]:
    names = source.data["include"]
    names = [names] if isinstance(names, str) else names
    out: list[_Source] = []
    for item in names or []:
        if base_dir is None or not isinstance(item, str):
            raise source.error(f"cannot include {item!r}", "include")
        target = (base_dir / item).resolve()
        if not target.is_file():
            raise source.error(f"included file {item!r} does not exist", "include")
        out.extend(_documents(target.read_text(encoding="utf-8"), str(target)))
    return out


#: libyaml's parser when PyYAML has it (several times faster); the same nodes, marks and values.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _documents(text: str, path: str):
    loader = _SAFE_LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            data = loader.construct_document(node)
            if data is None:
                continue
            if not isinstance(data, dict):
                raise InterviewSourceError("each block must be a mapping of specifiers "
                                           f"(found {type(data).__name__})", path=path, line=line)
            key_lines = {}
            if isinstance(node, yaml.MappingNode):
                for key_node, _ in node.value:
                    key_lines[str(key_node.value)] = key_node.start_mark.line + 1
            yield _Source({str(k): v for k, v in data.items()}, line, key_lines, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InterviewSourceError(f"malformed YAML: {exc.problem or exc}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise InterviewSourceError(f"malformed YAML: {exc}", path=path) from exc
    finally:
        loader.dispose()


def _background_options(source: _Source, event: str | None) -> tuple[float | None, int | None]:
    """``time limit`` (seconds) and ``retries`` of an event run as a background action."""
    data = source.data
    for key in ("time limit", "retries"):
        if key in data and event is None:
            raise source.error(f"{key!r} applies to background actions: use it on an 'event' code block", key)
    time_limit = data.get("time limit")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or time_limit <= 0):
        raise source.error(f"'time limit' must be a number of seconds above 0, not {time_limit!r}", "time limit")
    retries = data.get("retries")
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or retries < 0):
        raise source.error(f"'retries' must be a whole number, 0 or more, not {retries!r}", "retries")
    return (None if time_limit is None else float(time_limit)), retries


def _truth(value: Any, source: _Source, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "on", "1"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "off", "0", ""}:
        return False
    if isinstance(value, int):
        return bool(value)
    raise source.error(f"{key!r} must be True or False, not {value!r}", key)


def _compile(code: Any, source: _Source, key: str, mode: str = "exec"):
    if not isinstance(code, str):
        raise source.error(f"{key!r} must be Python code as text", key)
    try:
        return compile(code, f"{source.path}:{source.key_lines.get(key, source.line)}", mode)
    except SyntaxError as exc:
        base = source.key_lines.get(key, source.line)
        line = base + (exc.lineno or 1)
        raise InterviewSourceError(f"Python syntax error in {key!r}: {exc.msg}", path=source.path,
                                   line=line) from exc


def _text(value: Any, source: _Source, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    raise source.error(f"{key!r} must be text", key)


def _variable(value: Any, source: _Source, key: str) -> str:
    if not isinstance(value, str) or not is_target(value):
        raise source.error(f"{value!r} is not a valid variable name", key)
    return value.strip()


class _Builder:
    def __init__(self, path: str):
        self.path = path
        self.blocks: list[Block] = []
        self.metadata: dict[str, Any] = {}
        self.features: dict[str, Any] = {}
        self.modules: list[str] = []
        self.imports: list[str] = []
        self.default_role: str | None = None
        self.count = 0

    def add(self, source: _Source) -> None:
        data = source.data
        if not data:
            return
        if "metadata" in data:
            if not isinstance(data["metadata"], dict):
                raise source.error("'metadata' must be a mapping", "metadata")
            self.metadata.update(data["metadata"])
            return
        if "features" in data:
            self.features.update(data["features"] or {})
            return
        for key, target in (("modules", self.modules), ("imports", self.imports)):
            if key in data:
                value = data[key]
                value = [value] if isinstance(value, str) else value
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise source.error(f"{key!r} must be a list of module names", key)
                target.extend(value)
                return
        if "default role" in data:
            self.default_role = str(data["default role"])
            if not ({"code", "question"} & data.keys()):
                return
            data = {k: v for k, v in data.items() if k != "default role"}
            source = _Source(data, source.line, source.key_lines, source.path)
        if set(data) <= CONFIG_TYPES | {"comment"}:
            if "objects" in data:
                self._objects(source)
            return
        common = self._common(source)
        if "template" in data:
            self._check_keys(source, TEMPLATE_KEYS)
            self._template(source, common)
        elif "question" in data or "field" in data and "code" not in data or "fields" in data:
            self._check_keys(source, QUESTION_KEYS)
            self._question(source, common)
        elif "code" in data:
            self._check_keys(source, CODE_KEYS)
            self._code(source, common)
        elif "attachment" in data or "attachments" in data:
            self._check_keys(source, ATTACHMENT_KEYS)
            self._attachment_block(source, common)
        elif "objects" in data:
            self._objects(source)
        else:
            keys = ", ".join(sorted(data))
            raise source.error(f"unknown kind of block (it has {keys}); a block needs one of "
                               "question, code, template, attachment, objects, metadata, ...")

    def _check_keys(self, source: _Source, allowed: set[str]) -> None:
        for key in source.data:
            if key not in allowed and key not in MODIFIERS:
                raise source.error(f"unknown specifier {key!r} in this block", key)

    def _common(self, source: _Source) -> dict[str, Any]:
        data = source.data
        need = data.get("need", [])
        need = [need] if isinstance(need, str) else need
        if not isinstance(need, list):
            raise source.error("'need' must be a variable name or a list of them", "need")
        event = data.get("event")
        if event is not None and not (isinstance(event, str) and is_target(event)):
            raise source.error(f"{event!r} is not a valid event name", "event")
        block_id = data.get("id")
        common = dict(number=self.count, path=source.path, line=source.line,
                      id=str(block_id) if block_id is not None else None,
                      mandatory=_truth(data.get("mandatory"), source, "mandatory"),
                      initial=_truth(data.get("initial"), source, "initial"),
                      event=event, need=[_variable(n, source, "need") for n in need])
        self.count += 1
        return common

    def _code(self, source: _Source, common: dict[str, Any]) -> None:
        code = source.data["code"]
        compiled = _compile(code, source, "code")
        assigns = assigned_targets(ast.parse(code))
        time_limit, retries = _background_options(source, common["event"])
        self.blocks.append(CodeBlock(**common, source=code, compiled=compiled, assigns=assigns,
                                     time_limit=time_limit, retries=retries))

    def _template(self, source: _Source, common: dict[str, Any]) -> None:
        data = source.data
        name = _variable(data["template"], source, "template")
        self.blocks.append(TemplateBlock(**common, template_name=name,
                                         content=_text(data.get("content"), source, "content"),
                                         subject=_text(data.get("subject"), source, "subject"),
                                         target=data.get("target")))

    def _objects(self, source: _Source) -> None:
        entries = source.data["objects"]
        if not isinstance(entries, list):
            raise source.error("'objects' must be a list of 'name: ClassName' items", "objects")
        pairs = []
        for item in entries:
            if not isinstance(item, dict) or len(item) != 1:
                raise source.error("each item of 'objects' must be one 'name: ClassName'", "objects")
            ((name, cls),) = item.items()
            pairs.append((_variable(name, source, "objects"), str(cls)))
        common = self._common(source)
        self.blocks.append(ObjectsBlock(**common, objects=pairs))

    def _attachment_spec(self, raw: Any, source: _Source, key: str) -> AttachmentSpec:
        if not isinstance(raw, dict):
            raise source.error(f"{key!r} must be a mapping with name, filename and content", key)
        formats = raw.get("valid formats") or ["pdf", "rtf", "html"]
        formats = [formats] if isinstance(formats, str) else list(formats)
        bad = [f for f in formats if f not in {"pdf", "rtf", "html"}]
        if bad:
            raise source.error(f"unsupported attachment format(s) {bad}; use pdf, rtf or html", key)
        variable = raw.get("variable name")
        return AttachmentSpec(name=_text(raw.get("name"), source, key),
                              filename=_text(raw.get("filename") or "document", source, key),
                              content=_text(raw.get("content"), source, key),
                              description=_text(raw.get("description"), source, key),
                              variable_name=_variable(variable, source, key) if variable else None,
                              valid_formats=formats)

    def _attachments(self, source: _Source) -> list[AttachmentSpec]:
        raw = source.data.get("attachment", source.data.get("attachments"))
        key = "attachment" if "attachment" in source.data else "attachments"
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        return [self._attachment_spec(item, source, key) for item in items]

    def _attachment_block(self, source: _Source, common: dict[str, Any]) -> None:
        specs = self._attachments(source)
        for spec in specs:
            if not spec.variable_name:
                raise source.error("an attachment block on its own needs a 'variable name'", "attachment")
        for i, spec in enumerate(specs):
            if i:
                common = {**common, "number": self.count}
                self.count += 1
            self.blocks.append(AttachmentBlock(**common, spec=spec))

    def _question(self, source: _Source, common: dict[str, Any]) -> None:
        data = source.data
        block = QuestionBlock(**common, question=_text(data.get("question"), source, "question"),
                              subquestion=_text(data.get("subquestion"), source, "subquestion"),
                              under=_text(data.get("under"), source, "under"),
                              right=_text(data.get("right"), source, "right"),
                              reload=data.get("reload"),
                              continue_label=_text(data.get("continue button label") or "Continue",
                                                   source, "continue button label"))
        check_in = data.get("check in")
        if check_in is not None:
            block.check_in = _variable(check_in, source, "check in")
        if "fields" in data:
            block.fields = self._fields(data["fields"], source)
        if "continue button field" in data:
            block.continue_field = _variable(data["continue button field"], source, "continue button field")
        for key in ("yesno", "noyes"):
            if key in data:
                setattr(block, key, _variable(data[key], source, key))
        buttons = data.get("buttons", data.get("choices", data.get("dropdown")))
        if buttons is not None:
            key = next(k for k in ("buttons", "choices", "dropdown") if k in data)
            block.buttons = self._buttons(buttons, source, key)
            if "field" in data:
                block.choice_field = _variable(data["field"], source, "field")
        elif "field" in data:
            block.continue_field = _variable(data["field"], source, "field")
        block.attachments = self._attachments(source)
        if "attachment code" in data:
            block.attachment_code = _compile(data["attachment code"], source, "attachment code", "eval")
            block.attachment_code_source = data["attachment code"]
        if block.event and (block.fields or block.continue_field or block.choice_field or block.yesno):
            raise source.error("an 'event' question cannot set variables; use buttons or remove 'event'",
                               "event")
        self.blocks.append(block)

    def _buttons(self, raw: Any, source: _Source, key: str) -> list[Button]:
        if not isinstance(raw, list):
            raise source.error(f"{key!r} must be a list", key)
        buttons = []
        for item in raw:
            if isinstance(item, dict):
                item = {k: v for k, v in item.items() if k not in {"image", "help", "default", "css class", "color"}}
                if "label" in item:
                    buttons.append(Button(label=str(item["label"]), value=item.get("value", item["label"]),
                                          url=item.get("url")))
                    continue
                url = item.pop("url", None)
                if len(item) != 1:
                    raise source.error(f"each button in {key!r} must be 'Label: value'", key)
                ((label, value),) = item.items()
                buttons.append(Button(label=str(label), value=value, url=url))
            else:
                buttons.append(Button(label=str(item), value=item))
        return buttons

    def _fields(self, raw: Any, source: _Source) -> list[FieldSpec]:
        items = [raw] if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            raise source.error("'fields' must be a list", "fields")
        line = source.key_lines.get("fields", source.line)
        return [self._field(item, source, line) for item in items]

    def _field(self, item: Any, source: _Source, line: int) -> FieldSpec:
        if not isinstance(item, dict):
            raise InterviewSourceError(f"each item of 'fields' must be a mapping, not {item!r}",
                                       path=source.path, line=line)

        def fail(message: str) -> InterviewSourceError:
            return InterviewSourceError(message, path=source.path, line=line)

        if "note" in item or "html" in item and "field" not in item:
            return FieldSpec(label="", variable=None, datatype="note", note=item.get("note"),
                             html=item.get("html"), required=False, line=line)
        label_keys = [k for k in item if k not in FIELD_KEYS]
        if "label" in item and "field" in item:
            label, variable = item["label"], item["field"]
        elif len(label_keys) == 1:
            label = label_keys[0]
            variable = item[label]
        elif not label_keys:
            raise fail("a field needs 'Label: variable_name' (or 'label' and 'field')")
        else:
            raise fail(f"unknown field specifier(s) {sorted(label_keys)[1:]} (or two labels)")
        if not isinstance(variable, str) or not is_target(variable):
            raise fail(f"{variable!r} is not a valid variable name")
        datatype = str(item.get("datatype", "text"))
        input_type = item.get("input type")
        if datatype not in DATATYPES:
            raise fail(f"unknown datatype {datatype!r} for field {variable!r}")
        if input_type is not None and input_type not in INPUT_TYPES:
            raise fail(f"unknown input type {input_type!r} for field {variable!r}")
        if datatype in {"area", "radio", "dropdown", "combobox"}:
            input_type, datatype = input_type or datatype, "text"
        spec = FieldSpec(label=str(label), variable=variable.strip(), datatype=datatype,
                         input_type=input_type, required=True, line=line,
                         min=item.get("min"), max=item.get("max"), default=item.get("default"),
                         hint=item.get("hint"), help=item.get("help"),
                         js_enable_if=item.get("js enable if"), js_show_if=item.get("js show if"))
        if "required" in item:
            req = item["required"]
            spec.required = req if isinstance(req, bool) else str(req).strip().lower() in {"true", "yes"}
        if "choices" in item:
            spec.choices = normalize_static_choices(item["choices"], fail)
        if "code" in item:
            code = item["code"]
            if not isinstance(code, str):
                raise fail(f"'code' of field {variable!r} must be a Python expression")
            try:
                spec.choices_code = compile(code.strip(), f"{source.path}:{line}", "eval")
            except SyntaxError as exc:
                raise fail(f"Python syntax error in 'code' of field {variable!r}: {exc.msg}") from exc
            spec.choices_source = code
        return spec


def normalize_static_choices(raw: Any, fail) -> list[Choice]:
    from .choices import normalize_choices
    try:
        return normalize_choices(raw)
    except ValueError as exc:
        raise fail(str(exc)) from exc


class InterviewLibrary:
    """The interviews a server offers, loaded from a directory and reloaded when a file changes."""

    def __init__(self, *directories: str | os.PathLike[str]):
        self.directories = [Path(d).resolve() for d in directories]
        self._cache: dict[str, tuple[float, Interview]] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        found: dict[str, None] = {}
        for directory in self.directories:
            for path in sorted(directory.glob("*.yml")) + sorted(directory.glob("*.yaml")):
                found.setdefault(path.name, None)
        return list(found)

    def path_of(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise InterviewSourceError(f"there is no interview called {name!r}")
        for directory in self.directories:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        raise InterviewSourceError(f"there is no interview called {name!r}")

    def get(self, name: str) -> Interview:
        path = self.path_of(name)
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._cache.get(name)
            if cached and cached[0] == mtime:
                return cached[1]
        interview = load_file(path, name=name)
        with self._lock:
            self._cache[name] = (mtime, interview)
        return interview
