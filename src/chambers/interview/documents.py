"""Documents from an ``attachment``'s Markdown: PDF (fpdf2), RTF and HTML."""
from __future__ import annotations

import html as html_lib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .markup import markdown_to_html

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]
FONT_FILES = {"": ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf"),
              "B": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"),
              "I": ("DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf"),
              "BI": ("DejaVuSerif-BoldItalic.ttf", "LiberationSerif-BoldItalic.ttf")}


def assemble(markdown_text: str, *, title: str, formats: tuple[str, ...] = ("pdf", "rtf", "html")) -> dict[str, bytes]:
    body_html = markdown_to_html(markdown_text)
    out: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "pdf":
            out[fmt] = to_pdf(body_html, title)
        elif fmt == "rtf":
            out[fmt] = to_rtf(markdown_text, title)
        elif fmt == "html":
            out[fmt] = to_html(body_html, title)
        else:
            raise ValueError(f"unsupported document format {fmt!r}")
    return out


def to_html(body_html: str, title: str) -> bytes:
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html_lib.escape(title)}</title>"
            "<style>body{font-family:Georgia,serif;max-width:40em;margin:2em auto;line-height:1.5}</style>"
            f"</head><body>\n{body_html}\n</body></html>\n")
    return page.encode("utf-8")


@lru_cache(maxsize=1)
def _unicode_fonts() -> dict[str, str] | None:
    found: dict[str, str] = {}
    for style, names in FONT_FILES.items():
        for directory in FONT_DIRS:
            match = next((directory / n for n in names if (directory / n).is_file()), None)
            if match:
                found[style] = str(match)
                break
    return found if len(found) == len(FONT_FILES) else None


def _latin1(text: str) -> str:
    """For the core PDF fonts: keep Latin-1, spell out the rest as close as possible."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = kept.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    kept = kept.replace("\u2013", "-").replace("\u2014", "-").replace("\u2026", "...")
    return kept.encode("latin-1", "replace").decode("latin-1")


def to_pdf(body_html: str, title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_title(title)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    fonts = _unicode_fonts()
    if fonts:
        for style, path in fonts.items():
            pdf.add_font("Body", style, path)
        family, text = "Body", body_html
    else:
        family, text = "Times", _latin1(body_html)
    pdf.set_font(family, size=12)
    pdf.write_html(text, font_family=family)
    return bytes(pdf.output())


_INLINE = [(re.compile(r"\*\*(.+?)\*\*|__(.+?)__"), r"{\\b {}}"), (re.compile(r"\*(.+?)\*|_(.+?)_"), r"{\\i {}}")]


def _rtf_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            code = ord(ch)
            if code > 0xFFFF:
                encoded = ch.encode("utf-16-le")
                for i in range(0, len(encoded), 2):
                    unit = int.from_bytes(encoded[i:i + 2], "little")
                    out.append(f"\\u{unit - 65536 if unit > 32767 else unit}?")
            else:
                out.append(f"\\u{code - 65536 if code > 32767 else code}?")
    return "".join(out)


def _rtf_inline(text: str) -> str:
    escaped = _rtf_escape(text)
    for pattern, template in _INLINE:
        escaped = pattern.sub(lambda m: template.replace("{}", m.group(1) or m.group(2)), escaped)
    return escaped


def to_rtf(markdown_text: str, title: str) -> bytes:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown_text) if p.strip()]
    lines = ["{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}",
             f"{{\\info{{\\title {_rtf_escape(title)}}}}}", "\\f0\\fs24"]
    for paragraph in paragraphs:
        heading = re.match(r"^(#+)\s+(.*)", paragraph)
        if heading:
            lines.append(f"{{\\pard\\sb240\\sa120\\b\\fs28 {_rtf_inline(heading.group(2))}\\par}}")
            continue
        text = " ".join(line.strip() for line in paragraph.splitlines())
        lines.append(f"{{\\pard\\sa200 {_rtf_inline(text)}\\par}}")
    lines.append("}")
    return "\n".join(lines).encode("ascii")
