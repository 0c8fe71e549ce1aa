"""Words, lists and Markdown helpers: ``comma_and_list``, ``indent`` and friends (English only)."""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["comma_and_list", "comma_list", "add_separators", "indent", "capitalize", "title_case",
           "nice_number", "quote_paragraphs", "single_paragraph", "verbatim", "noun_plural",
           "noun_singular", "quantity_noun", "space_to_underscore", "bold", "italic"]

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_IRREGULAR_PLURALS = {"person": "people", "child": "children", "man": "men", "woman": "women",
                      "foot": "feet", "tooth": "teeth", "mouse": "mice", "goose": "geese"}
_IRREGULAR_SINGULARS = {plural: singular for singular, plural in _IRREGULAR_PLURALS.items()}
_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|"
_LINE_BREAK = re.compile(r"\r*\n")


def _items(args: tuple) -> list[Any]:
    """One iterable argument (list, set, generator, …) or several separate items."""
    if len(args) == 1 and isinstance(args[0], Iterable) and not isinstance(args[0], (str, bytes)):
        return list(args[0])
    return list(args)


def comma_and_list(*items: Any, and_string: str = "and", comma_string: str = ", ", oxford: bool = True,
                   before_and: str = " ", after_and: str = " ") -> str:
    """``a, b, and c``; ``a and b``; ``a``; ``''`` for nothing.  Accepts items or one iterable."""
    words = [str(item) for item in _items(items)]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    joiner = before_and + and_string + after_and
    if len(words) == 2:
        return words[0] + joiner + words[1]
    serial_comma = comma_string.rstrip() if oxford else ""
    return comma_string.join(words[:-1]) + serial_comma + joiner + words[-1]


def comma_list(*items: Any, comma_string: str = ", ") -> str:
    """``a, b, c``."""
    return comma_string.join(str(item) for item in _items(items))


def add_separators(*items: Any, separator: str = ";", last_separator: str = "; and",
                   end_mark: str = ".") -> list[str]:
    """Items with list punctuation attached: ``['a;', 'b; and', 'c.']``."""
    words = [str(item) for item in _items(items)]
    if not words:
        return []
    marked = [word + separator for word in words[:-2]]
    if len(words) >= 2:
        marked.append(words[-2] + last_separator)
    marked.append(words[-1] + end_mark)
    return marked


def indent(text: Any, by: int = 4) -> str:
    """Prefix every line with ``by`` spaces (at the default, a Markdown code block)."""
    pad = " " * int(by)
    return pad + _LINE_BREAK.sub("\n" + pad, str(text))


def capitalize(text: Any) -> str:
    """The first character in upper case, the rest unchanged."""
    text = str(text)
    return text[:1].upper() + text[1:]


def title_case(text: Any) -> str:
    """Each word's first letter in upper case, the rest unchanged (``McDonald`` stays)."""
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), str(text))


def nice_number(number: Any, capitalize: bool = False, use_word: bool | None = None,
                ndigits: int | None = None) -> str:
    """``three`` for 3 (zero to ten are words), otherwise the number; a whole float loses ``.0``."""
    if isinstance(number, float) and ndigits is not None:
        number = round(number, ndigits)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    wants_word = use_word if use_word is not None else True
    if wants_word and isinstance(number, int) and not isinstance(number, bool) and 0 <= number < len(_NUMBER_WORDS):
        word = _NUMBER_WORDS[number]
        return word[:1].upper() + word[1:] if capitalize else word
    return str(number)


def quote_paragraphs(text: Any) -> str:
    """The text as a Markdown block quote: every line starts with ``>``."""
    return "\n".join("> " + line if line.strip() else ">" for line in str(text).rstrip().splitlines())


def single_paragraph(text: Any) -> str:
    """All line breaks and runs of spaces become single spaces."""
    return " ".join(str(text).split())


def verbatim(text: Any) -> str:
    """Text that shows exactly as typed: HTML and Markdown characters are escaped."""
    escaped = html.escape(str(text), quote=False)
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in escaped)


def _is_one(count: Any) -> bool:
    try:
        return float(count) == 1
    except (TypeError, ValueError):
        return False


def _match_case(model: str, word: str) -> str:
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def noun_plural(noun: Any, count: Any = 2) -> str:
    """The plural of an English noun, unless ``count`` is 1."""
    noun = str(noun)
    if _is_one(count) or not noun:
        return noun
    lower = noun.lower()
    if lower in _IRREGULAR_PLURALS:
        return _match_case(noun, _IRREGULAR_PLURALS[lower])
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "s"


def noun_singular(noun: Any, count: Any = 1) -> str:
    """The singular of an English noun (a simple reversal of :func:`noun_plural`), if ``count`` is 1."""
    noun = str(noun)
    if not _is_one(count):
        return noun
    lower = noun.lower()
    if lower in _IRREGULAR_SINGULARS:
        return _match_case(noun, _IRREGULAR_SINGULARS[lower])
    if lower.endswith("ies") and len(noun) > 3:
        return noun[:-3] + "y"
    if lower.endswith(("ses", "xes", "zes", "ches", "shes")):
        return noun[:-2]
    if lower.endswith("s") and not lower.endswith("ss"):
        return noun[:-1]
    return noun


def quantity_noun(number: Any, noun: Any, as_integer: bool = True, capitalize: bool = False) -> str:
    """``3 apples``, ``one apple`` (small whole numbers are spelled out)."""
    if as_integer and isinstance(number, float):
        number = int(round(number))
    phrase = f"{nice_number(number)} {noun_plural(noun, number)}"
    return phrase[:1].upper() + phrase[1:] if capitalize else phrase


def space_to_underscore(text: Any) -> str:
    """Words joined with underscores (a safe file name stem)."""
    return "_".join(str(text).split())


def bold(text: Any) -> str:
    """Markdown bold, or ``''`` for empty text."""
    text = str(text)
    return f"**{text}**" if text else ""


def italic(text: Any) -> str:
    """Markdown italics, or ``''`` for empty text."""
    text = str(text)
    return f"_{text}_" if text else ""
