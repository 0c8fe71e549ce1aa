"""Words and lists: ``comma_and_list``, ``indent`` and friends."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["comma_and_list", "comma_list", "indent", "capitalize", "nice_number", "quote_paragraphs",
           "verbatim", "noun_plural", "add_separators", "space_to_underscore", "single_paragraph"]

_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _items(args: tuple) -> list[Any]:
    if len(args) == 1 and isinstance(args[0], Iterable) and not isinstance(args[0], (str, bytes)):
        return list(args[0])
    return list(args)


def comma_and_list(*items: Any, and_string: str = "and", comma_string: str = ", ", oxford: bool = True,
                   before_and: str = " ", after_and: str = " ") -> str:
    """``a, b, and c``; ``a and b``; ``a``; ``''`` for nothing."""
    words = [str(item) for item in _items(items)]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    if len(words) == 2:
        return f"{words[0]}{before_and}{and_string}{after_and}{words[1]}"
    last_comma = comma_string.rstrip() if oxford else ""
    return comma_string.join(words[:-1]) + last_comma + before_and + and_string + after_and + words[-1]


def comma_list(*items: Any, comma_string: str = ", ") -> str:
    return comma_string.join(str(item) for item in _items(items))


def add_separators(*items: Any, separator: str = ";", last_separator: str = "; and", end_mark: str = ".") -> list[str]:
    words = [str(item) for item in _items(items)]
    if not words:
        return []
    out = [w + separator for w in words[:-2]]
    if len(words) >= 2:
        out.append(words[-2] + last_separator)
    out.append(words[-1] + end_mark)
    return out


def indent(text: Any, by: int = 4) -> str:
    """Prefix every line with ``by`` spaces (a Markdown code block at the default)."""
    pad = " " * by
    return "\n".join(pad + line for line in str(text).splitlines())


def capitalize(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def nice_number(number: Any, capitalize_words: bool = False) -> str:
    """``three`` for 3 (up to ten), otherwise the number; a whole float loses its ``.0``."""
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, int) and 0 <= number < len(_NUMBER_WORDS):
        word = _NUMBER_WORDS[number]
        return capitalize(word) if capitalize_words else word
    return str(number)


def quote_paragraphs(text: Any) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in str(text).splitlines())


def verbatim(text: Any) -> str:
    """Text shown as typed: Markdown and HTML characters are escaped."""
    import html
    escaped = html.escape(str(text))
    for char in "\\`*_{}[]()#+-.!":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def noun_plural(noun: str, count: Any = 2) -> str:
    try:
        if float(count) == 1:
            return noun
    except (TypeError, ValueError):
        pass
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def space_to_underscore(text: Any) -> str:
    return "_".join(str(text).split())


def single_paragraph(text: Any) -> str:
    return " ".join(str(text).split())
