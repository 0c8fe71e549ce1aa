"""``background_progress(fraction, message)``: readable from the task handle, and drawn as a
progress bar on the open page (pushed; a page opened later is told the latest progress)."""
from __future__ import annotations

from playwright.sync_api import expect
import pytest

from .api import fields_of
from .gates import open_gate, wait_until_running


def test_the_task_handle_reports_progress(embedded_api, gate):
    session = embedded_api.start("gated.yml")
    session.answer(gate=str(gate), label="counted")
    wait_until_running(gate, "counted")
    shown = fields_of(session.wait_for(lambda q: "progress=0.25" in q.get("subquestionText", "")))
    assert shown == {"state": "started", "progress": "0.25", "message": "working on counted"}
    open_gate(gate, "counted", half=True)
    shown = fields_of(session.wait_for(lambda q: "progress=0.5" in q.get("subquestionText", "")))
    assert shown["message"] == "half way"
    open_gate(gate)
    assert fields_of(session.wait_for("Done"))["value"] == "finished counted"


@pytest.fixture
def page(browser, embedded):
    context = browser.new_context(base_url=embedded.url)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


@pytest.mark.browser
def test_the_open_page_shows_a_progress_bar(page, gate):
    page.goto("/interview?i=gated.yml&new=1")
    page.get_by_label("Gate directory").fill(str(gate))
    page.get_by_label("Label").fill("drawn")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Waiting")
    bar = page.locator("#chambers-progress .progress")
    expect(bar).to_have_attribute("aria-valuenow", "25")
    expect(page.locator(".chambers-progress-message")).to_have_text("working on drawn")
    open_gate(gate, "drawn", half=True)
    expect(bar).to_have_attribute("aria-valuenow", "50")
    expect(page.locator(".chambers-progress-message")).to_have_text("half way")
    open_gate(gate)
    expect(page.locator("h1")).to_have_text("Done", timeout=5000)   # pushed: no waiting for the 10 s reload
    expect(page.locator("#chambers-flash")).to_contain_text("finished drawn")
