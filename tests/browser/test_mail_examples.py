"""docassemble's e-mail examples, unchanged, in headless Chromium, with real mail sent by smtplib."""
import re
import smtplib

from playwright.sync_api import expect

from ..mail.conftest import message

ADDRESS = re.compile(r"\b[a-z]{6}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def send(live, mail, to):
    with smtplib.SMTP("127.0.0.1", live.smtp_port, timeout=30) as client:
        assert client.send_message(mail, "bounce@example.com", [to]) == {}


def shown_address(page):
    found = ADDRESS.search(page.locator("main, body").first.inner_text())
    assert found, page.content()
    return found.group(0)


def test_email_to_case_simple(page, live):
    page.goto("/interview?i=email-to-case-simple.yml&new=1")
    expect(page.locator("h1")).to_have_text("E-mailing to the interview")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("E-mails sent to case")
    address = shown_address(page)
    code = address.split("@")[0]
    expect(page.get_by_text("Subject lines of all e-mails")).to_have_count(0)
    send(live, message(address, subject="Hello from the browser test"), address)
    send(live, message(address, subject="Ça marche ✓", html="<p>hi</p>"), address)
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_text(f"Subject lines of all e-mails sent to {code}:")).to_be_visible()
    expect(page.locator("li")).to_have_text(["Hello from the browser test", "Ça marche ✓"])


def test_email_to_case(page, live):
    page.goto("/interview?i=email-to-case.yml&new=1")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("E-mailing to the interview")
    address = page.locator("blockquote").inner_text().strip()
    assert ADDRESS.fullmatch(address), address
    send(live, message(address, subject="Case № 7 – Müller", text="The details.", html="<p>The <b>details</b></p>",
                       attachment=("evidence.txt", b"exhibit A")), address)
    for _ in range(100):   # the worker runs incoming_email, then its callback saves `email`
        page.get_by_role("button", name="Refresh").click()
        if page.locator("h1").inner_text() == "E-mails received":
            break
        page.wait_for_timeout(200)
    expect(page.locator("h1")).to_have_text("E-mails received")
    items = page.locator("li")
    expect(items.filter(has_text="Subject:")).to_have_text("Subject: Case № 7 – Müller")
    expect(items.filter(has_text="To:").locator("a")).to_have_attribute("href", f"mailto:{address}")
    expect(items.filter(has_text="From:")).to_have_text("From: ann@example.com")
    expect(items.filter(has_text="Reply to:")).to_have_text("Reply to:")
    expect(items.filter(has_text="Return path:")).to_have_text("Return path: bounce@example.com")
    expect(items.filter(has_text="Body text:")).to_contain_text("Body text: The details.")
    expect(items.filter(has_text="Body HTML:").locator("b")).to_have_text("details")
    link = items.filter(has_text="Attachment:").locator("a")
    expect(link).to_have_text("evidence.txt")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "evidence.txt"
    assert open(download.value.path(), "rb").read() == b"exhibit A"
