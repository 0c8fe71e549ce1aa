"""Interview text: Mako first (``${ }``, ``% if``), then Markdown, as docassemble renders it.

Names in Mako text are looked up lazily, the way docassemble's own Mako does it: a name the
answers lack is left unbound, so Python raises ``NameError`` only when the text actually
evaluates it.  A name inside a ``% if`` branch that is not taken is therefore never sought, and
``${ f(x) }`` fails on ``x`` before ``f`` is called.  The ``NameError`` that escapes always
carries the variable in ``exc.name``.

``[TARGET name]`` in text becomes an empty ``<span>`` that check-in results can fill.
"""
from __future__ import annotations

import builtins
import re
import threading
import types
from functools import lru_cache

import markdown as markdown_lib
from mako.runtime import Context
from mako.template import ModuleTemplate, Template
from mako.util import FastEncodingBuffer

__all__ = ["render_mako", "undefined_name", "markdown_to_html", "target_name"]

# -- Mako ---------------------------------------------------------------------------------------

# Names Mako itself defines in a template's context; answers with these names are not passed in.
_MAKO_NAMES = frozenset({"context", "loop", "UNDEFINED", "STOP_RENDERING", "self", "local", "parent",
                         "next", "caller", "capture"})
# How Mako's generated code fetches a free name: ``x = context.get('x', UNDEFINED)``.
_FETCH = re.compile(r"^(?P<indent>[ \t]*)(?P<ident>\w+) = context\.get\('(?P=ident)', UNDEFINED\)$", re.M)
_MAKO_SYNTAX = ("${", "%", "##", "\\\n")
_TEMPLATE_CACHE_SIZE = 2048


def _unbind_missing(code: str) -> str:
    """Rewrite each name fetch so a missing name is deleted: using it then raises NameError."""
    return _FETCH.sub(lambda m: (f"{m['indent']}{m['ident']} = context.get({m['ident']!r}, UNDEFINED)\n"
                                 f"{m['indent']}if {m['ident']} is UNDEFINED:\n"
                                 f"{m['indent']}    del {m['ident']}"), code)


@lru_cache(maxsize=_TEMPLATE_CACHE_SIZE)
def _compiled(source: str) -> ModuleTemplate:
    generated = Template(source, input_encoding="utf-8")
    module = types.ModuleType(f"chambers_mako_{abs(hash(source)):x}")
    exec(compile(_unbind_missing(generated.code), "<interview text>", "exec"), module.__dict__)  # noqa: S102
    return ModuleTemplate(module, template_source=source)


class _AnswersContext(Context):
    """A Mako context over the interview's names (``buffer`` may be an interview variable too)."""

    def __init__(self, buffer: FastEncodingBuffer, names: dict):
        super().__init__(buffer)
        self._data.update(names)


def _needs_mako(source: str) -> bool:
    return any(marker in source for marker in _MAKO_SYNTAX)


def render_mako(source: str, namespace: dict, *, name: str = "<text>") -> str:
    """Render Mako text against the interview namespace; trailing whitespace is removed.

    An undefined name that the text evaluates raises a plain ``NameError`` with ``.name`` set.
    ``name`` describes the text for error messages.
    """
    source = str(source)
    if not _needs_mako(source):
        return source.rstrip()
    template = _compiled(source)
    names = {key: value for key, value in namespace.items() if key.isidentifier() and key not in _MAKO_NAMES}
    buffer = FastEncodingBuffer()
    try:
        template.render_context(_AnswersContext(buffer, names))
    except NameError as exc:
        missing = undefined_name(exc)
        if missing and (type(exc) is not NameError or exc.name != missing):
            raise NameError(f"name '{missing}' is not defined (in {name})", name=missing) from exc
        raise
    return buffer.getvalue().rstrip()


_QUOTED_NAME = re.compile(r"(?:name|variable|attribute) '([^']+)'|^'([^']+)' is not defined")


def undefined_name(exc: BaseException) -> str | None:
    """The variable an exception says is undefined, or None.

    Works for Python's and Mako's ``NameError`` messages (including unbound locals).  For an
    ``AttributeError`` it gives ``instanceName.attr`` when the object has an instance name,
    otherwise the bare attribute.
    """
    if isinstance(exc, AttributeError):
        attribute = getattr(exc, "name", None) or _first_quoted(str(exc))
        owner = getattr(exc, "obj", None)
        instance = getattr(owner, "__dict__", {}).get("instanceName") if owner is not None else None
        if attribute and isinstance(instance, str) and instance:
            return f"{instance}.{attribute}"
        return attribute
    if not isinstance(exc, NameError):
        return None
    found = getattr(exc, "name", None)
    return found or _first_quoted(str(exc))


def _first_quoted(message: str) -> str | None:
    match = _QUOTED_NAME.search(message)
    if match:
        return match.group(1) or match.group(2)
    return None


# -- Markdown -----------------------------------------------------------------------------------

_TARGET = re.compile(r"\[TARGET ([^\]]+)\]")
_PLACEHOLDER = "CHAMBERSTARGETMARK{}END"
_PLACEHOLDER_RE = re.compile(r"CHAMBERSTARGETMARK(\d+)END")
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")
_MARKDOWN_EXTENSIONS = ("extra", "sane_lists")
_ONLY_PARAGRAPHS = re.compile(r"\s*(?:<p>(?:(?!</?p>).)*</p>\s*)+", re.S)
_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.S)


def target_name(name: str) -> str:
    """The name a ``[TARGET name]`` area is known by: letters, digits and underscores only."""
    return _NOT_WORD.sub("", name.strip())


def _target_span(name: str) -> str:
    return f'<span class="datarget{name}"></span>'


_CACHED_TEXT_LENGTH = 20_000
_converters = threading.local()


def _markdown(source: str) -> str:
    """``markdown.markdown(source)`` with one reusable converter per thread (building one with
    its extensions costs far more than converting a question's text)."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(extensions=list(_MARKDOWN_EXTENSIONS),
                                                                 output_format="html")
    try:
        return converter.reset().convert(source)
    except BaseException:
        _converters.markdown = None     # never reuse a converter left half-way through a document
        raise


def markdown_to_html(text: str, *, strip_outer_paragraph: bool = False) -> str:
    """Markdown to HTML; ``[TARGET x]`` becomes ``<span class="datargetx"></span>``.

    With ``strip_outer_paragraph``, HTML made only of paragraphs loses its ``<p>`` tags and the
    paragraphs are joined with spaces; anything else (lists, headings, …) is left as it is.
    """
    text = str(text)
    if len(text) <= _CACHED_TEXT_LENGTH:
        return _cached_markdown_to_html(text, strip_outer_paragraph)
    return _markdown_to_html(text, strip_outer_paragraph)


@lru_cache(maxsize=4096)
def _cached_markdown_to_html(text: str, strip_outer_paragraph: bool) -> str:
    return _markdown_to_html(text, strip_outer_paragraph)


def _markdown_to_html(text: str, strip_outer_paragraph: bool) -> str:
    targets: list[str] = []

    def protect(match: re.Match) -> str:
        targets.append(target_name(match.group(1)))
        return _PLACEHOLDER.format(len(targets) - 1)

    source = _TARGET.sub(protect, str(text))
    html = _markdown(source).strip()
    if strip_outer_paragraph and _ONLY_PARAGRAPHS.fullmatch(html):
        html = " ".join(_PARAGRAPH.findall(html))
    return _PLACEHOLDER_RE.sub(lambda m: _target_span(targets[int(m.group(1))]), html)
