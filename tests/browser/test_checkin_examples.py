"""docassemble's check-in examples, unchanged, in a real browser."""
from playwright.sync_api import expect


def start(page, name):
    page.goto(f"/interview?i={name}&new=1")


def test_check_in_counts_and_tracks_drafts(page):
    sent = []
    page.on("requestfinished", lambda request: sent.append(request.post_data)
            if "/checkin" in request.url and "track_drafts" in (request.post_data or "") else None)
    start(page, "check-in.yml")
    food = page.get_by_label("Favorite food")
    food.fill("apples")
    food.press("Tab")
    page.wait_for_timeout(400)
    food.fill("pears")
    food.press("Tab")
    page.wait_for_timeout(400)
    checkins = len(sent)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your favorite food")
    text = page.locator(".chambers-subquestion").inner_text()
    assert "Your favorite food is pears." in text
    assert "apples" in text and "pears" in text
    count = int(text.split("You checked in ")[1].split(" times")[0])
    assert count == checkins and count >= 3    # the initial one, two changes, and any periodic ones


def test_target_template(page):
    start(page, "target-template.yml")
    food = page.get_by_label("Favorite food")
    food.fill("apples")
    food.press("Tab")
    expect(page.locator(".datargetfeedback")).to_contain_text("You like APPLES?")
    expect(page.locator(".datargetfeedback em")).to_have_text("What?")


def test_target_code_template_fills_on_load(page):
    start(page, "target-code-template.yml")
    expect(page.locator(".datargetfeedback")).to_contain_text("You like nothing?")
    page.get_by_label("Favorite food").fill("soup")
    page.get_by_label("Favorite food").press("Tab")
    expect(page.locator(".datargetfeedback")).to_contain_text("You like SOUP?")


def test_target_code(page):
    start(page, "target-code.yml")
    page.get_by_label("Favorite food").fill("kale")
    page.get_by_label("Favorite food").press("Tab")
    expect(page.locator(".datargetfeedback")).to_have_text("What? You like KALE?")


def test_ajax_calc_sets_a_field(page):
    start(page, "ajax-calc.yml")
    page.locator("input[name=var_a]").fill("3")
    page.locator("input[name=var_b]").fill("4")
    page.locator("input[name=var_b]").press("Tab")
    expect(page.locator("input[name=var_c]")).to_have_value("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("The correct answer is 12.0.")


def test_country_state_dropdown(page):
    start(page, "country-state.yml")
    country = page.get_by_label("Country")
    state = page.get_by_label("State")
    assert country.locator("option").count() == 250      # 249 countries and the blank
    country.select_option("CA")
    expect(state.locator("option", has_text="Ontario")).to_have_count(1)
    state.select_option("ON")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("You live in Ontario in Canada.")


def test_ajax_flash(page):
    start(page, "ajax-flash.yml")
    page.get_by_label("Favorite food").fill("chips")
    page.get_by_label("Favorite food").press("Tab")
    expect(page.locator("#chambers-flash")).to_contain_text("What? You like CHIPS?")


def test_ajax_refresh(page):
    start(page, "ajax-refresh.yml")
    expect(page.get_by_role("radio")).to_have_count(3)
    page.get_by_label("How many things are there?").fill("5")
    page.get_by_label("How many things are there?").press("Tab")
    expect(page.get_by_role("radio")).to_have_count(5)
    page.get_by_label("How many things are there?").fill("50")
    page.get_by_label("How many things are there?").press("Tab")
    expect(page.get_by_role("radio")).to_have_count(10)
