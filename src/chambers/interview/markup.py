"""Interview text: Mako first (``${ }``, ``% if``), then Markdown, as docassemble renders it.

``[TARGET name]`` in text becomes an empty element that check-in code can fill.
"""
from __future__ import annotations

import re
from functools import lru_cache

import markdown as markdown_lib
from mako.template import Template

_TARGET = re.compile(r"\[TARGET ([^\]]+)\]")
_PLACEHOLDER = "CHAMBERSTARGET{}Z"
_PLACEHOLDER_RE = re.compile(r"CHAMBERSTARGET(\d+)Z")
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")
_OUTER_P = re.compile(r"^<p>(.*)</p>$", re.S)


@lru_cache(maxsize=2048)
def _template(source: str, name: str) -> Template:
    return Template(source, strict_undefined=True, uri=None, input_encoding="utf-8")


def render_mako(source: str, namespace: dict, *, name: str = "<text>") -> str:
    """Render Mako against the interview namespace; an undefined name raises ``NameError``."""
    if "${" not in source and "%" not in source and "<%" not in source:
        return source.rstrip()
    template = _template(source, "")
    try:
        return template.render(**{k: v for k, v in namespace.items() if k.isidentifier() and k != "self"}).rstrip()
    except NameError as exc:
        missing = undefined_name(exc)
        if missing and getattr(exc, "name", None) != missing:
            raise NameError(str(exc), name=missing) from exc
        raise


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
