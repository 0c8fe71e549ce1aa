"""chambers.js in a real browser: client-side checks, js enable/show if, val() and flash()."""
from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.browser

FORM = """
metadata:
  title: Browser checks
---
mandatory: True
question: |
  Saved ${ age }
---
question: Tell me
fields:
  - Age: age
    datatype: integer
    min: 18
  - E-mail: email
    datatype: email
    required: False
  - Has pet: has_pet
    datatype: yesno
  - Pet name: pet_name
    js enable if: val('has_pet')
  - Secret word: secret_word
    required: False
    js show if: val('age') == '99'
"""


@pytest.fixture
def live_site(site):
    uvicorn = pytest.importorskip("uvicorn")
    app = site({"form.yml": FORM})
    server = uvicorn.Server(uvicorn.Config(app.app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def browser_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_client_side_checks_conditions_and_helpers(live_site, browser_page):
    page = browser_page
    page.goto(f"{live_site}/interview?i=form.yml&new=1")
    assert page.text_content("h1").strip() == "Tell me"

    pet_name = page.locator("[data-variable=pet_name] input")
    assert pet_name.is_disabled()                       # js enable if: val('has_pet') is false
    page.check("[data-variable=has_pet] input[type=checkbox]")
    assert pet_name.is_enabled()
    assert page.evaluate("val('has_pet')") is True
    assert not page.locator("[data-variable=secret_word]").is_visible()

    page.fill("[data-variable=age] input", "12")
    page.fill("[data-variable=email] input", "nope")
    page.click("#chambers-continue")
    assert page.text_content("[data-variable=age] .chambers-error") == "The value must be at least 18."
    assert page.text_content("[data-variable=email] .chambers-error") == "Please enter a valid e-mail address."
    assert page.text_content("[data-variable=pet_name] .chambers-error") == "This field is required."
    assert page.get_attribute("[data-variable=age] input", "aria-invalid") == "true"
    assert "/interview?i=form.yml" in page.url and page.text_content("h1").strip() == "Tell me"

    page.fill("[data-variable=age] input", "99")
    assert page.locator("[data-variable=secret_word]").is_visible()
    page.evaluate("flash('Hello <b>there</b>', 'success')")
    assert page.text_content("#chambers-flash .alert-success span") == "Hello <b>there</b>"

    page.fill("[data-variable=email] input", "a@example.com")
    page.fill("[data-variable=pet_name] input", "Rex")
    page.click("#chambers-continue")
    page.wait_for_selector("text=Saved 99")
