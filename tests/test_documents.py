"""Assembling attachment documents: PDF, RTF and HTML from Markdown."""
from __future__ import annotations

import io
import re

import pytest

from chambers.interview import documents
from chambers.interview.rtf import html_to_rtf, rtf_escape

pypdf = pytest.importorskip("pypdf")

LETTER = """# A letter

Darling **Zoë**, will you _marry_ me?

* roses
* chocolates

1. ask
2. wait

> “Yes” — ça va, 5 € ✓

    code {kept} \\ here
"""


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_assemble_gives_the_three_formats_by_default():
    out = documents.assemble("Sweetheart, will you\nmarry me?", title="A letter")
    assert set(out) == {"pdf", "rtf", "html"}
    assert all(isinstance(data, bytes) and data for data in out.values())


def test_assemble_only_requested_formats_and_rejects_unknown():
    assert set(documents.assemble("x", title="t", formats=("rtf",))) == {"rtf"}
    with pytest.raises(ValueError, match="docx"):
        documents.assemble("x", title="t", formats=("pdf", "docx"))


def test_pdf_is_real_and_text_is_extractable():
    data = documents.assemble(LETTER, title="A letter", formats=("pdf",))["pdf"]
    assert data.startswith(b"%PDF")
    assert data.rstrip().endswith(b"%%EOF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "A letter"
    words = " ".join(pdf_text(data).split())
    for expected in ("A letter", "Darling Zoë, will you marry me?", "roses", "chocolates", "ask",
                     "“Yes” — ça va, 5 €", "code {kept}"):
        assert expected in words


def test_pdf_long_text_flows_onto_more_pages():
    data = documents.assemble("\n\n".join(f"Paragraph {n} " + "word " * 60 for n in range(60)),
                              title="Long", formats=("pdf",))["pdf"]
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    assert "Paragraph 59" in pdf_text(data)


def test_pdf_without_unicode_fonts_falls_back_to_core_fonts(monkeypatch):
    monkeypatch.setattr(documents, "unicode_fonts", lambda: None)
    data = documents.assemble(LETTER + "\n\n你好 Ω", title="Zoë’s letter", formats=("pdf",))["pdf"]
    assert data.startswith(b"%PDF")
    words = " ".join(pdf_text(data).split())
    assert "Darling Zoë, will you marry me?" in words
    assert '"Yes" -- ça va' in words


def test_pdf_does_not_fetch_images():
    data = documents.assemble("Look:\n\n![the photo](http://127.0.0.1:9/photo.png)", title="t",
                              formats=("pdf",))["pdf"]
    assert "the photo" in pdf_text(data)


def test_to_latin1():
    assert documents.to_latin1("Zoë “hi” — 5 € Ω 你") == 'Zoë "hi" -- 5 EUR ? ?'
    assert documents.to_latin1("Łódź œuvre") == "Lódz oeuvre"


def test_html_is_a_full_document():
    page = documents.assemble("Hello _there_ & <you>", title="Greeting <1>", formats=("html",))["html"]
    text = page.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    assert "<title>Greeting &lt;1&gt;</title>" in text
    assert "<p>Hello <em>there</em> &amp; <you></p>" in text
    assert text.rstrip().endswith("</html>")


def _balanced(rtf: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[\\{}]|[{}]", rtf):
        if token in "{}":
            depth += 1 if token == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def test_rtf_structure_and_formatting():
    rtf = documents.assemble(LETTER, title="A letter", formats=("rtf",))["rtf"]
    rtf.decode("ascii")
    text = rtf.decode("ascii")
    assert text.startswith("{\\rtf1\\ansi")
    assert text.rstrip().endswith("}")
    assert _balanced(text)
    assert "{\\info{\\title A letter}}" in text
    assert "Darling {\\b Zo\\u235?}, will you {\\i marry} me?\\par}" in text
    assert "\\u8226?\\tab roses\\par}" in text
    assert "1.\\tab ask\\par}" in text and "2.\\tab wait\\par}" in text
    assert "\\u8220?Yes\\u8221? \\u8212? \\u231?a va, 5 \\u8364? \\u10003?" in text
    assert "code \\{kept\\} \\\\ here" in text
    assert "\\b\\fs32 A letter\\par}" in text


def test_rtf_escape_unicode_rules():
    assert rtf_escape("a{b}\\c") == "a\\{b\\}\\\\c"
    assert rtf_escape("é") == "\\u233?"
    assert rtf_escape("\uffe5") == "\\u-27?"
    assert rtf_escape("😀") == "\\u-10179?\\u-8704?"
    assert rtf_escape("a\tb") == "a\\tab b"


def test_rtf_line_breaks_nested_lists_and_quotes():
    rtf = html_to_rtf("<p>one<br>\ntwo</p><ul><li>a<ul><li>b</li></ul></li></ul>"
                      "<blockquote><p>q</p></blockquote><hr>", title="t").decode("ascii")
    assert "one\\line two\\par}" in rtf
    assert "\\li720\\fi-360\\tx720 \\u8226?\\tab a\\par}" in rtf
    assert "\\li1440\\fi-360\\tx1440 \\u8226?\\tab b\\par}" in rtf
    assert "\\li720 q\\par}" in rtf
    assert "\\brdrb" in rtf
    assert _balanced(rtf)


def test_empty_document_still_valid():
    out = documents.assemble("", title="Empty")
    assert out["pdf"].startswith(b"%PDF")
    assert _balanced(out["rtf"].decode("ascii"))


def test_pdf_falls_back_to_plain_text_when_html_layout_fails(monkeypatch):
    from fpdf import FPDF

    def refuse(self, *args, **kwargs):
        raise RuntimeError("cannot lay this out")

    monkeypatch.setattr(FPDF, "write_html", refuse)
    data = documents.assemble("# Heading\n\nBody with **Zoë**.", title="t", formats=("pdf",))["pdf"]
    words = " ".join(pdf_text(data).split())
    assert "Heading" in words and "Body with Zoë." in words
