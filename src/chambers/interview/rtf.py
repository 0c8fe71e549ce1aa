"""Rich Text Format from the HTML that interview Markdown becomes.

Handles what Markdown produces: paragraphs, headings, bold/italic/underline/strike, inline and
block code, ordered and unordered (nested) lists, block quotes, line breaks, rules and simple
tables.  Text outside ASCII is written as ``\\uN?`` escapes, so the file itself is pure ASCII.
"""
from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["html_to_rtf", "rtf_escape"]

_TWIPS_PER_LEVEL = 720
_HANGING_INDENT = 360
_HEADING_HALF_POINTS = {1: 32, 2: 28, 3: 26, 4: 24, 5: 24, 6: 24}
_BODY_HALF_POINTS = 24
_CODE_HALF_POINTS = 20
_INLINE_CONTROLS = {"b": "\\b", "strong": "\\b", "i": "\\i", "em": "\\i", "u": "\\ul", "ins": "\\ul",
                    "s": "\\strike", "del": "\\strike", "strike": "\\strike", "code": "\\f1\\fs20",
                    "kbd": "\\f1\\fs20", "sup": "\\super", "sub": "\\sub", "th": "\\b"}
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "ul", "ol", "tr", "dt",
           "dd", "div", "table", "hr", "dl"}


def rtf_escape(text: str) -> str:
    """Text as RTF: ``\\``, ``{`` and ``}`` escaped, tabs as ``\\tab``, non-ASCII as ``\\uN?``."""
    out = []
    for char in text:
        code = ord(char)
        if char in "\\{}":
            out.append("\\" + char)
        elif char == "\t":
            out.append("\\tab ")
        elif 32 <= code < 127:
            out.append(char)
        elif code < 32 or code == 127:
            continue
        elif code <= 0xFFFF:
            out.append(_unicode_escape(code))
        else:
            encoded = char.encode("utf-16-be")
            out.append(_unicode_escape(int.from_bytes(encoded[:2], "big")))
            out.append(_unicode_escape(int.from_bytes(encoded[2:], "big")))
    return "".join(out)


def _unicode_escape(unit: int) -> str:
    """RTF's ``\\u`` takes a signed 16-bit number, followed by one fallback character."""
    return f"\\u{unit - 0x10000 if unit > 0x7FFF else unit}?"


class _RtfWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.paragraph_open = False
        self.inline_stack: list[str] = []
        self.lists: list[dict] = []
        self.marker: str | None = None
        self.quote_depth = 0
        self.heading = 0
        self.preformatted = False
        self.cell_index = 0
        self.at_line_start = True

    # paragraphs ------------------------------------------------------------------------------
    def _left_indent(self) -> int:
        return _TWIPS_PER_LEVEL * (self.quote_depth + len(self.lists))

    def _open_paragraph(self) -> None:
        if self.paragraph_open:
            return
        controls = ["\\pard\\sa180"]
        left = self._left_indent()
        if left:
            controls.append(f"\\li{left}")
        if self.marker is not None:
            controls.append(f"\\fi-{_HANGING_INDENT}\\tx{left}")
        if self.heading:
            controls.append(f"\\sb240\\keepn\\b\\fs{_HEADING_HALF_POINTS[self.heading]}")
        if self.preformatted:
            controls.append(f"\\sa0\\f1\\fs{_CODE_HALF_POINTS}")
        self.parts.append("{" + "".join(controls) + " ")
        if self.marker is not None:
            self.parts.append(self.marker + "\\tab ")
            self.marker = None
        self.paragraph_open = True
        self.at_line_start = True

    def _close_paragraph(self) -> None:
        if not self.paragraph_open:
            return
        self.parts.append("}" * len(self.inline_stack))
        self.inline_stack.clear()
        self.parts.append("\\par}\n")
        self.paragraph_open = False

    # parser callbacks ------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._start_block(tag)
        if tag in ("td", "th"):
            self._open_paragraph()
            if self.cell_index:
                self.parts.append("\\tab ")
            self.cell_index += 1
        if tag in _INLINE_CONTROLS:
            self._open_paragraph()
            self.parts.append("{" + _INLINE_CONTROLS[tag] + " ")
            self.inline_stack.append(tag)
        elif tag == "br":
            self._open_paragraph()
            self.parts.append("\\line ")
            self.at_line_start = True
        elif tag == "img" and dict(attrs).get("alt"):
            self._open_paragraph()
            self._write_text(dict(attrs).get("alt") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def _start_block(self, tag: str) -> None:
        self._close_paragraph()
        if tag in ("ul", "ol"):
            self.lists.append({"ordered": tag == "ol", "count": 0})
        elif tag == "li" and self.lists:
            current = self.lists[-1]
            current["count"] += 1
            self.marker = f"{current['count']}." if current["ordered"] else _unicode_escape(0x2022)
        elif tag == "blockquote":
            self.quote_depth += 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = int(tag[1])
        elif tag == "pre":
            self.preformatted = True
        elif tag == "tr":
            self.cell_index = 0
        elif tag == "hr":
            self.parts.append("{\\pard\\brdrb\\brdrs\\brdrw10\\brsp20\\sa180 \\par}\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.inline_stack:
            while self.inline_stack:
                self.parts.append("}")
                if self.inline_stack.pop() == tag:
                    break
            return
        if tag not in _BLOCKS:
            return
        self._close_paragraph()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "li":
            self.marker = None
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag.startswith("h") and tag[1:].isdigit():
            self.heading = 0
        elif tag == "pre":
            self.preformatted = False

    def handle_data(self, data: str) -> None:
        if self.preformatted:
            if not self.paragraph_open and not data.strip("\n"):
                return
            self._open_paragraph()
            lines = data.rstrip("\n").split("\n") if data.endswith("\n") else data.split("\n")
            self.parts.append("\\line ".join(rtf_escape(line) for line in lines))
            return
        if not self.paragraph_open and not data.strip():
            return
        self._open_paragraph()
        self._write_text(data)

    def _write_text(self, data: str) -> None:
        collapsed = " ".join(data.split())
        if data[:1].isspace() and not self.at_line_start:
            collapsed = " " + collapsed
        if data[-1:].isspace() and collapsed:
            collapsed += " "
        if collapsed:
            self.parts.append(rtf_escape(collapsed))
            self.at_line_start = False

    def finish(self) -> str:
        self.close()
        self._close_paragraph()
        return "".join(self.parts)


def html_to_rtf(body_html: str, *, title: str = "") -> bytes:
    """A complete RTF document (US Letter, 1-inch margins, 12-point Times) for an HTML fragment."""
    writer = _RtfWriter()
    writer.feed(body_html)
    body = writer.finish()
    header = ("{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1\n"
              "{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}{\\f1\\fmodern\\fcharset0 Courier New;}}\n"
              f"{{\\info{{\\title {rtf_escape(title)}}}}}\n"
              "\\paperw12240\\paperh15840\\margl1440\\margr1440\\margt1440\\margb1440\n"
              f"\\f0\\fs{_BODY_HALF_POINTS}\n")
    return (header + body + "}\n").encode("ascii")
