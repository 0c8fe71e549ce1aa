import json

from chambers.mail.inbound import with_return_path
from chambers.mail.parse import parse_message

from .conftest import message


def _roles(parsed):
    return [(p.role, p.filename, p.mimetype) for p in parsed.parts]


def test_plain_text_message():
    parsed = parse_message(message("abcdef@mail.test", text="Hello\n", cc="Bo <bo@x.test>, cy@x.test",
                                   reply_to="Help <help@x.test>").as_bytes())
    assert parsed.subject == "Hello"
    assert parsed.to == [("", "abcdef@mail.test")]
    assert parsed.cc == [("Bo", "bo@x.test"), ("", "cy@x.test")]
    assert parsed.sender == ("Ann Smith", "ann@example.com")
    assert parsed.reply_to == ("Help", "help@x.test")
    assert parsed.return_path is None
    assert _roles(parsed) == [("headers", "headers.json", "application/json"),
                              ("body_text", "attachment.txt", "text/plain")]
    assert parsed.parts[1].data == b"Hello\n"
    headers = json.loads(parsed.parts[0].data)
    assert ["Subject", "Hello"] in headers
    assert parsed.problems == []


def test_alternative_bodies_and_an_attachment():
    parsed = parse_message(message("abcdef@mail.test", text="plain", html="<p>rich</p>",
                                   attachment=("report.pdf", b"%PDF-1.4")).as_bytes())
    assert _roles(parsed)[1:] == [("body_text", "attachment.txt", "text/plain"),
                                  ("body_html", "attachment.html", "text/html"),
                                  ("attachment", "report.pdf", "application/octet-stream")]
    assert parsed.parts[3].data == b"%PDF-1.4"


def test_non_ascii_subject_names_and_bodies_are_decoded():
    mail = message("abcdef@mail.test", subject="Café – naïve ✓", text="Grüße aus Köln",
                   sender="Zoë Ünal <zoe@example.com>", attachment=("résumé.txt", b"x"))
    parsed = parse_message(mail.as_bytes())
    assert parsed.subject == "Café – naïve ✓"
    assert parsed.sender == ("Zoë Ünal", "zoe@example.com")
    assert parsed.parts[1].data.decode("utf-8").strip() == "Grüße aus Köln"
    assert parsed.parts[2].filename == "résumé.txt"


def test_latin1_body_is_stored_as_utf8():
    raw = (b"From: a@x.test\r\nTo: abcdef@mail.test\r\nSubject: =?iso-8859-1?q?Caf=E9?=\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9\r\n")
    parsed = parse_message(raw)
    assert parsed.subject == "Café"
    assert parsed.parts[1].data == "café\r\n".encode("utf-8") or parsed.parts[1].data == "café\n".encode("utf-8")


def test_body_only_among_the_first_three_parts_and_named_text_is_an_attachment():
    mail = message("abcdef@mail.test", text=None, html=None)
    mail.set_content("first")
    for n in range(3):
        mail.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"f{n}.bin")
    mail.add_attachment("late text", subtype="plain")  # a fifth part, unnamed text: not the body
    mail.add_attachment("named", subtype="plain", filename="notes.txt")
    parsed = parse_message(mail.as_bytes())
    roles = [r for r, _, _ in _roles(parsed)]
    assert roles.count("body_text") == 1
    assert parsed.parts[-1].filename == "notes.txt" and parsed.parts[-1].role == "attachment"


def test_malformed_mime_keeps_what_can_be_read():
    raw = (b"From: a@x.test\r\nTo: abcdef@mail.test\r\nSubject: broken\r\nDate: not a date\r\n"
           b"Content-Type: multipart/mixed; boundary=\"nowhere\"\r\n\r\n"
           b"this body never uses its boundary\r\n\xff\xfe raw bytes\r\n")
    parsed = parse_message(raw)
    assert parsed.subject == "broken"
    assert parsed.date is None
    assert parsed.problems, "the defects are reported"
    assert any("Date" in p for p in parsed.problems)
    assert parsed.parts[0].filename == "headers.json"


def test_broken_base64_and_unknown_charset():
    raw = (b"From: a@x.test\r\nTo: abcdef@mail.test\r\nSubject: b64\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
           b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nhello\r\n--XX\r\n"
           b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"!!!not base64***\r\n--XX--\r\n")
    parsed = parse_message(raw)
    assert [p.role for p in parsed.parts] == ["headers", "body_text", "attachment"]
    assert parsed.parts[1].data.strip() == b"hello"
    assert any("no-such-charset" in p for p in parsed.problems)


def test_garbage_and_raw_utf8_headers_never_raise():
    for raw in (b"", b"\x00\x01\x02", b"no headers at all", b"Subject: \xc3\xa9t\xc3\xa9\r\n\r\nbody",
                b"To: <<<@@@>>>\r\nFrom: ,,,\r\nReturn-Path: <>\r\n\r\nx"):
        parsed = parse_message(raw)
        json.dumps(parsed.fields())  # always storable
    assert parse_message(b"Subject: \xc3\xa9t\xc3\xa9\r\n\r\nbody").subject == "été"
    assert parse_message(b"Return-Path: <>\r\n\r\nx").return_path == ("", "")


def test_attached_message_is_one_attachment():
    inner = message("x@y.test", subject="inner")
    outer = message("abcdef@mail.test", text="see attached")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes())
    assert [p.role for p in parsed.parts] == ["headers", "body_text", "attachment"]
    assert parsed.parts[2].mimetype == "message/rfc822"
    assert b"Subject: inner" in parsed.parts[2].data


def test_return_path_is_added_from_the_envelope_only_when_missing():
    raw = b"Subject: x\r\n\r\nbody"
    assert with_return_path(raw, "b@x.test").startswith(b"Return-Path: <b@x.test>\r\n")
    assert with_return_path(raw, "") .startswith(b"Return-Path: <>\r\n")
    kept = b"Return-Path: <a@x.test>\r\nSubject: x\r\n\r\nReturn-Path: in the body"
    assert with_return_path(kept, "b@x.test") == kept
    assert with_return_path(b"Subject: x\r\n\r\nReturn-Path: <z@x>", "b@x.test").startswith(b"Return-Path: <b@")
