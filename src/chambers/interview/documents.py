"""Documents for ``attachment`` blocks: the rendered Markdown as PDF, RTF and HTML.

The Markdown becomes HTML once (:func:`markup.markdown_to_html`); each format is written from
that HTML.  The PDF uses fpdf2 with a Unicode TrueType font (DejaVu or Liberation) when the
machine has one; otherwise fpdf2's core Times font, with text outside Latin-1 transliterated.
"""
from __future__ import annotations

import html as html_lib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .markup import markdown_to_html
from .rtf import html_to_rtf

__all__ = ["assemble", "SUPPORTED_FORMATS", "to_pdf", "to_rtf", "to_html"]

SUPPORTED_FORMATS = ("pdf", "rtf", "html")
FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Each family: style -> file names to look for, best first.
_BODY_FONT_FILES = {"": ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf"),
                    "B": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"),
                    "I": ("DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf"),
                    "BI": ("DejaVuSerif-BoldItalic.ttf", "LiberationSerif-BoldItalic.ttf")}
_MONO_FONT_FILES = {"": ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf"),
                    "B": ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf"),
                    "I": ("DejaVuSansMono-Oblique.ttf", "LiberationMono-Italic.ttf"),
                    "BI": ("DejaVuSansMono-BoldOblique.ttf", "LiberationMono-BoldItalic.ttf")}
# Used for characters the body font lacks (arrows, check marks, …).
_SYMBOL_FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
_BODY_FAMILY, _MONO_FAMILY, _SYMBOL_FAMILY = "ChambersSerif", "ChambersMono", "ChambersSymbols"
_IMAGE_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ALT_ATTRIBUTE = re.compile(r"\balt=\"([^\"]*)\"", re.I)
_PAGE_MARGIN_MM = 25
_BODY_POINTS = 12
_HEADING_POINTS = (16, 14, 13, 12, 12, 12)
_LATIN1_SUBSTITUTES = {"\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201c": '"', "\u201d": '"',
                       "\u201e": '"', "\u2013": "-", "\u2014": "--", "\u2026": "...", "\u2022": "*",
                       "\u2212": "-", "\u2009": " ", "\u202f": " ", "\u20ac": "EUR", "\u0141": "L",
                       "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0152": "OE", "\u0153": "oe",
                       "\u0131": "i"}


def assemble(markdown_text: str, *, title: str, formats=SUPPORTED_FORMATS) -> dict[str, bytes]:
    """The document in each of ``formats`` (``pdf``, ``rtf``, ``html``), as bytes keyed by format."""
    body_html = markdown_to_html(markdown_text)
    writers = {"pdf": to_pdf, "rtf": to_rtf, "html": to_html}
    unknown = [fmt for fmt in formats if fmt not in writers]
    if unknown:
        raise ValueError(f"unsupported document format(s): {', '.join(map(repr, unknown))}")
    return {fmt: writers[fmt](body_html, title) for fmt in formats}


# -- HTML ---------------------------------------------------------------------------------------

def to_html(body_html: str, title: str) -> bytes:
    """A complete, self-contained HTML page around the body."""
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html_lib.escape(title)}</title>\n"
            "<style>body{font-family:Georgia,'Times New Roman',serif;max-width:40em;margin:2em auto;"
            "padding:0 1em;line-height:1.5}pre,code{font-family:monospace}"
            "blockquote{margin-left:1.5em;padding-left:1em;border-left:3px solid #ccc}</style>\n"
            f"</head>\n<body>\n{body_html}\n</body>\n</html>\n")
    return page.encode("utf-8")


# -- RTF ----------------------------------------------------------------------------------------

def to_rtf(body_html: str, title: str) -> bytes:
    return html_to_rtf(body_html, title=title)


# -- PDF ----------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _font_file(name: str) -> str | None:
    for root in FONT_ROOTS:
        if root.is_dir():
            found = next(iter(sorted(root.rglob(name))), None)
            if found is not None:
                return str(found)
    return None


def _font_family(files: dict[str, tuple[str, ...]]) -> dict[str, str] | None:
    """Style -> TTF path for one family; a missing styled face falls back to the regular one."""
    chosen: dict[str, str] = {}
    for style, names in files.items():
        path = next((p for p in map(_font_file, names) if p), None)
        if path:
            chosen[style] = path
    if "" not in chosen:
        return None
    return {style: chosen.get(style, chosen[""]) for style in files}


def unicode_fonts() -> tuple[dict[str, str], dict[str, str]] | None:
    """The body and monospace TrueType fonts to embed, or None when the machine has none."""
    body, mono = _font_family(_BODY_FONT_FILES), _font_family(_MONO_FONT_FILES)
    if body is None:
        return None
    return body, mono or body


def to_latin1(text: str) -> str:
    """Text the core PDF fonts can show: accents dropped where needed, punctuation spelled out."""
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        if char in _LATIN1_SUBSTITUTES:
            out.append(_LATIN1_SUBSTITUTES[char])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def _new_pdf(title: str):
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_title(title)
    pdf.set_creator("Chambers")
    pdf.set_margins(_PAGE_MARGIN_MM, _PAGE_MARGIN_MM, _PAGE_MARGIN_MM)
    pdf.set_auto_page_break(True, margin=_PAGE_MARGIN_MM)
    pdf.add_page()
    fonts = unicode_fonts()
    if fonts is None:
        return pdf, "Times", "Courier", False
    for family, faces in zip((_BODY_FAMILY, _MONO_FAMILY), fonts):
        for style, path in faces.items():
            pdf.add_font(family, style, path)
    symbols = next((p for p in map(_font_file, _SYMBOL_FONT_FILES) if p), None)
    if symbols:
        pdf.add_font(_SYMBOL_FAMILY, "", symbols)
        pdf.set_fallback_fonts([_SYMBOL_FAMILY], exact_match=False)
    return pdf, _BODY_FAMILY, _MONO_FAMILY, True


def _pdf_tag_styles(mono_font: str) -> dict:
    """fpdf2's HTML styles, made sober for legal documents: black bold headings, plain quotes."""
    from fpdf.fonts import FontFace, TextStyle

    black = "#000000"
    styles = {f"h{level}": TextStyle(font_style="B", font_size_pt=size, color=black, t_margin=4, b_margin=2)
              for level, size in zip(range(1, 7), _HEADING_POINTS)}
    styles.update(blockquote=TextStyle(color=black, l_margin=10, t_margin=2, b_margin=2),
                  pre=TextStyle(font_family=mono_font, t_margin=2, b_margin=2),
                  code=FontFace(family=mono_font), a=FontFace(color=black, emphasis="UNDERLINE"))
    return styles


def _image_alt_text(match: re.Match) -> str:
    alt = _ALT_ATTRIBUTE.search(match.group(0))
    return alt.group(1) if alt else ""


def _plain_text(body_html: str) -> str:
    blocks = re.sub(r"</(p|h[1-6]|li|pre|blockquote|tr|div)>|<br\s*/?>", "\n", body_html)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", blocks)).strip()


def to_pdf(body_html: str, title: str) -> bytes:
    """A US Letter PDF of the HTML body (fpdf2's HTML renderer; plain text if it cannot cope)."""
    pdf, body_font, mono_font, unicode_ok = _new_pdf(title)
    # Images are not fetched (an interview's Markdown could name any URL); their alt text stays.
    without_images = _IMAGE_TAG.sub(_image_alt_text, body_html)
    text = without_images if unicode_ok else to_latin1(without_images)
    try:
        pdf.set_font(body_font, size=_BODY_POINTS)
        pdf.write_html(text, font_family=body_font, tag_styles=_pdf_tag_styles(mono_font),
                       warn_on_tags_not_matching=False)
    except Exception:  # noqa: BLE001 - HTML fpdf2 cannot lay out still yields a readable document
        pdf, body_font, _mono, unicode_ok = _new_pdf(title)
        pdf.set_font(body_font, size=_BODY_POINTS)
        plain = _plain_text(without_images)
        pdf.multi_cell(0, _BODY_POINTS * 0.5, plain if unicode_ok else to_latin1(plain))
    return bytes(pdf.output())
