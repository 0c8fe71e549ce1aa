"""Objects interview code works with; all of them pickle as plain data inside the answers."""
from __future__ import annotations

from typing import Any

from . import context


class UndefinedAttribute(NameError):
    """``obj.attr`` is not defined yet: the engine seeks ``instanceName.attr``."""

    def __init__(self, full_name: str):
        super().__init__(f"name '{full_name}' is not defined", name=full_name)


class DAObject:
    """A named object whose undefined attributes are sought like variables."""

    def __init__(self, instanceName: str | None = None, **attributes: Any):
        self.instanceName = instanceName or ""
        for key, value in attributes.items():
            setattr(self, key, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "instanceName":
            raise AttributeError(name)
        raise UndefinedAttribute(f"{self.instanceName}.{name}" if self.instanceName else name)

    def attr_name(self, attribute: str) -> str:
        return f"{self.instanceName}.{attribute}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.instanceName!r})"


class DAList(list):
    def __init__(self, instanceName: str | None = None, elements: Any = ()):
        super().__init__(elements)
        self.instanceName = instanceName or ""


class DADict(dict):
    def __init__(self, instanceName: str | None = None, elements: Any = ()):
        super().__init__(elements)
        self.instanceName = instanceName or ""


class DAFile(DAObject):
    """A stored file of the session: only its id and name live in the answers."""

    def __init__(self, instanceName: str | None = None, *, file_id: int | None = None,
                 filename: str = "", mimetype: str = "application/octet-stream", extension: str = ""):
        super().__init__(instanceName)
        self.number = file_id
        self.filename = filename
        self.mimetype = mimetype
        self.extension = extension or (filename.rsplit(".", 1)[-1] if "." in filename else "")
        self.ok = file_id is not None

    def url_for(self, **_: Any) -> str:
        return context.current().services.file_url(self.number, self.filename)

    def slurp(self) -> str:
        run = context.current()
        data = run.services.read_file(run, self.number)
        return data.decode("utf-8", errors="replace")

    def path(self) -> str:
        raise NotImplementedError("Chambers keeps files in its store; use slurp() or url_for()")

    def show(self, **_: Any) -> str:
        return f"[{self.filename}]({self.url_for()})"

    def __str__(self) -> str:
        return self.show()


class DAFileList(DAList):
    def __str__(self) -> str:
        return " ".join(str(item) for item in self)


class DAFileCollection(DAObject):
    """An assembled document: one :class:`DAFile` attribute per format (pdf, rtf, html)."""

    def __init__(self, instanceName: str | None = None, *, name: str = "", filename: str = "",
                 description: str = "", files: dict[str, DAFile] | None = None):
        super().__init__(instanceName)
        self.info = {"name": name, "filename": filename, "description": description}
        self.formats = list((files or {}).keys())
        for fmt, file in (files or {}).items():
            setattr(self, fmt, file)

    def __str__(self) -> str:
        return self.info["name"] or self.info["filename"]


class DALazyTemplate(DAObject):
    """A ``template`` block: its content and subject are rendered each time they are read."""

    def __init__(self, instanceName: str | None = None, *, content: str = "", subject: str = ""):
        super().__init__(instanceName)
        self.source_content = content
        self.source_subject = subject

    def _render(self, text: str) -> str:
        from .markup import render_mako
        return render_mako(text, context.current().ns, name=self.instanceName)

    @property
    def content(self) -> str:
        return self._render(self.source_content)

    @property
    def subject(self) -> str:
        return self._render(self.source_subject)

    def show(self, **_: Any) -> str:
        return self.content

    def __str__(self) -> str:
        return self.content


class DAEmpty:
    """Anything read from it is itself; it prints as nothing."""

    def __getattr__(self, name: str) -> "DAEmpty":
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> "DAEmpty":
        return self

    def __str__(self) -> str:
        return ""

    def __bool__(self) -> bool:
        return False
