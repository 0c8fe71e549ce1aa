"""docassemble's background-action examples, unchanged, in a real browser on the embedded default."""
import re

from playwright.sync_api import expect


def start(page, name):
    page.goto(f"/interview?i={name}&new=1")


def answer_number(page, value="3"):
    page.get_by_label("Number").fill(value)
    page.get_by_role("button", name="Continue").click()


def test_background_action_returns_a_value(page):
    start(page, "background_action.yml")
    expect(page.locator("h1")).to_have_text("How much shall I add to 553?")
    answer_number(page)
    # The waiting screen shows first; push (or the 10 s reload) brings the result.
    expect(page.locator("h1")).to_have_text("The answer is 556.", timeout=20000)


def test_background_response_action_sets_a_variable(page):
    start(page, "background_action_with_response_action.yml")
    answer_number(page)
    expect(page.locator("h1")).to_have_text("The answer is 556.", timeout=20000)


def test_flash_notification(page):
    start(page, "background_action_flash.yml")
    answer_number(page)
    expect(page.locator("h1")).to_have_text("Your answer will appear shortly.")
    expect(page.locator("#chambers-flash")).to_contain_text("The answer is 556.", timeout=20000)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("All done.")
    expect(page.locator("blockquote")).to_contain_text("The answer is 556.")


def test_javascript_notification(page):
    start(page, "background_action_javascript.yml")
    answer_number(page)
    expect(page.locator("h1")).to_have_text("Your answer will appear shortly.")
    page.wait_for_function("() => true")
    page.wait_for_timeout(100)
    for _ in range(100):
        if page.dialogs:
            break
        page.wait_for_timeout(100)
    assert page.dialogs == ["The answer is 556."]
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("blockquote")).to_contain_text("alert('The answer is 556.');")


def test_fields_notification(page):
    start(page, "background_action_fields.yml")
    answer_number(page)
    expect(page.locator("h1")).to_have_text("Your answer will appear shortly.")
    expect(page.get_by_label("Number")).to_have_value("556", timeout=20000)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("All done.")
    expect(page.locator("blockquote")).to_contain_text("{'the_number': 556}")


def test_refresh_notification(page):
    start(page, "background_action_refresh.yml")
    answer_number(page)
    expect(page.locator("h1")).to_have_text("The answer is 556.", timeout=20000)


def test_error_callback_with_zero_denominator(page):
    start(page, "background-error-action-demo.yml")
    page.get_by_label("Numerator").fill("10")
    page.get_by_label("Denominator").fill("0")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Result of task", timeout=20000)
    expect(page.locator(".chambers-subquestion")).to_have_text("There was an error.")


def test_error_callback_with_nonzero_denominator(page):
    start(page, "background-error-action-demo.yml")
    page.get_by_label("Numerator").fill("10")
    page.get_by_label("Denominator").fill("4")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".chambers-subquestion")).to_have_text("The result was 2.5.", timeout=20000)


def test_error_action_details(page):
    start(page, "background-error-action.yml")
    answer_number(page)
    expect(page.locator("h1")).to_have_text("There was an error.", timeout=20000)
    text = page.locator(".chambers-subquestion").inner_text()
    assert "Failure at the calculation stage due to a ZeroDivisionError error" in text
    assert "handled_error" in text and "division by zero" in text and "['bg_task']" in text
    assert re.search(r"ZeroDivisionError: division by zero", text)


def test_assemble_in_background(page):
    start(page, "assemble-in-background.yml")
    page.get_by_label("Name").fill("Jo")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Document created", timeout=20000)
    expect(page.locator(".chambers-attachment h2")).to_have_text("A letter")
    pdf = page.locator("a[data-format=pdf]")
    expect(pdf).to_have_attribute("download", "letter.pdf")
    response = page.request.get(pdf.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
