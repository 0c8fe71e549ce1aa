"""Interview text: Mako first (``${ }``, ``% if``), then Markdown, as docassemble renders it.

``[TARGET name]`` in text becomes an empty element that check-in code can fill.
"""
from __future__ import annotations

import re
from functools import lru_cache

import markdown as markdown_lib
import builtins
import io

from mako.runtime import UNDEFINED, Context
from mako.template import Template

_TARGET = re.compile(r"\[TARGET ([^\]]+)\]")
_PLACEHOLDER = "CHAMBERSTARGET{}Z"
_PLACEHOLDER_RE = re.compile(r"CHAMBERSTARGET(\d+)Z")
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")
_BUILTINS = vars(builtins)
_RESERVED = {"self", "context", "caller", "capture", "local", "parent", "next", "loop"}


class _Missing:
    """Stands for a name the text uses but the answers lack; any use of it raises ``NameError``
    naming it, so the engine seeks it — and a name in a branch not taken is never sought."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def _fail(self, *args, **kwargs):
        raise NameError(f"name '{self._name}' is not defined", name=self._name)

    __str__ = __repr__ = __bool__ = __iter__ = __len__ = __call__ = __getattr__ = __getitem__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __contains__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __int__ = __float__ = __index__ = __format__ = __mod__ = __rmod__ = _fail


class _AnswersContext(Context):
    def get(self, key, default=None):
        if key in self._data:
            return self._data[key]
        if key in _BUILTINS:
            return _BUILTINS[key]
        if default is UNDEFINED:
            return _Missing(key)
        return default


@lru_cache(maxsize=2048)
def _template(source: str) -> Template:
    return Template(source, input_encoding="utf-8")


def render_mako(source: str, namespace: dict, *, name: str = "<text>") -> str:
    """Render Mako against the interview namespace; using an undefined name raises ``NameError``."""
    if "${" not in source and "%" not in source and "<%" not in source:
        return source.rstrip()
    buffer = io.StringIO()
    data = {k: v for k, v in namespace.items() if k.isidentifier() and k not in _RESERVED}
    _template(source).render_context(_AnswersContext(buffer, **data))
    return buffer.getvalue().rstrip()


def undefined_name(exc: BaseException) -> str | None:
    """The variable a NameError says is undefined (Mako's message or Python's)."""
    name = getattr(exc, "name", None)
    if name:
        return name
    match = re.search(r"'([^']+)' is not defined", str(exc))
    return match.group(1) if match else None


def target_name(name: str) -> str:
    return _NOT_WORD.sub("", name.strip())


def markdown_to_html(text: str, *, strip_outer_paragraph: bool = False) -> str:
    """Markdown to HTML; ``[TARGET x]`` becomes ``<span class="dataregetx"></span>``."""
    targets: list[str] = []

    def protect(match: re.Match) -> str:
        targets.append(target_name(match.group(1)))
        return _PLACEHOLDER.format(len(targets) - 1)

    source = _TARGET.sub(protect, text)
    html = markdown_lib.markdown(source, extensions=["extra", "sane_lists"], output_format="html")
    html = _PLACEHOLDER_RE.sub(lambda m: f'<span class="datarget{targets[int(m.group(1))]}"></span>', html)
    if strip_outer_paragraph:
        html = html.strip()
        paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
        if paragraphs and re.sub(r"<p>.*?</p>", "", html, flags=re.S).strip() == "":
            html = " ".join(paragraphs)
    return html.strip()
