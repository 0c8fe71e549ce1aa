"""The project's own example interviews, in a real browser."""
from playwright.sync_api import expect


def test_repair_letter_from_start_to_document(page):
    page.goto("/interview?i=repair-letter.yml&new=1")
    expect(page.locator("h1")).to_have_text("Who are you?")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-variable='tenant.name']")).to_contain_text("This field is required.")
    page.locator("input[name='tenant.name']").fill("Sam Lee")
    page.locator("input[name='tenant.email']").fill("not-an-address")
    page.locator("input[name='tenant.household']").fill("2")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-variable='tenant.email']")).to_contain_text("valid e-mail")
    page.locator("input[name='tenant.email']").fill("sam@example.org")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("About the problem")
    description = page.locator("textarea[name=problem_description]")
    expect(description).to_be_disabled()                      # js enable if: only for "other"
    page.locator("input[name=landlord_name]").fill("Pat")
    page.get_by_label("No heat or hot water").check()
    expect(page.locator(".datargetadvice")).to_contain_text("Landlords must fix heating")   # check in
    page.locator("input[name=problems_started]").fill("2026-01-05")
    page.locator("input[name=monthly_rent]").fill("950.50")
    page.locator("select[name=room]").select_option("Kitchen")
    page.get_by_label("Something else").check()
    expect(description).to_be_enabled()
    description.fill("The window will not close.")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Before you send it")
    page.get_by_role("button", name="I understand").click()
    expect(page.locator("h1")).to_have_text("Your letter is ready, Sam Lee.")
    expect(page.locator(".chambers-subquestion")).to_contain_text("You pay about 951 a month")
    href = page.locator("a[data-format=pdf]").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.locator("a[data-format=pdf]").is_visible()

    page.get_by_role("button", name="Delete my answers").click()
    expect(page.locator("body")).to_contain_text("left")
    assert page.request.get(href).status == 404               # the session's files went with it


def test_back_button(page):
    page.goto("/interview?i=repair-letter.yml&new=1")
    page.locator("input[name='tenant.name']").fill("Ada")
    page.locator("input[name='tenant.household']").fill("1")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("About the problem")
    page.get_by_role("button", name="Back").click()
    expect(page.locator("h1")).to_have_text("Who are you?")
    expect(page.locator("input[name='tenant.name']")).to_have_value("Ada")


def test_budget_helper_checks_in(page):
    page.goto("/interview?i=budget-helper.yml&new=1")
    page.locator("input[name=income]").fill("1000")
    page.locator("input[name=spending]").fill("1200")
    page.locator("input[name=spending]").press("Tab")
    expect(page.locator("input[name=left_over]")).to_have_value("-200")      # a change to spending sets the field
    page.locator("input[name=income]").fill("1100")
    page.locator("input[name=income]").press("Tab")                           # any other check-in gives advice
    expect(page.locator(".datargetadvice")).to_contain_text("you spend 100.00 more than comes in")
    expect(page.locator(".datargetadvice strong")).to_have_text("Careful:")
    page.locator("input[name=spending]").fill("500")
    page.locator("input[name=spending]").press("Tab")
    expect(page.locator("input[name=left_over]")).to_have_value("600")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".chambers-subquestion")).to_have_text("You have 600.00 left over each month.")


def test_a_change_waiting_behind_a_check_in_in_flight_is_not_replaced_by_a_plain_one(page):
    """A change made while a check-in is in flight is sent when it returns, with its ``_changed``,
    even if a periodic (or first, or tab-shown) check-in came in between."""
    with page.expect_response(lambda r: "/checkin?" in r.url):           # the first check-in, answered
        page.goto("/interview?i=budget-helper.yml&new=1")
    held = []
    page.route("**/checkin?*", lambda route: route.continue_() if held else held.append(route))  # the next: in flight
    page.locator("input[name=income]").fill("1000")
    page.locator("input[name=spending]").fill("1200")                      # income's change: sent, held
    page.locator("input[name=spending]").press("Tab")                      # spending's change: waits
    for _ in range(100):                                                   # the route handler runs between calls
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1 and '"_changed":"income"' in held[0].request.post_data
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # a plain check-in asked for
    held[0].continue_()
    expect(page.locator("input[name=left_over]")).to_have_value("-200")    # spending's change was sent


def test_waiting_room_events_and_links(page):
    page.goto("/interview?i=waiting-room.yml&new=1")
    page.get_by_role("button", name="Yes").click()
    expect(page.locator("h1")).to_have_text("Thanks for waiting")
    assert page.locator("#chambers-root").get_attribute("data-reload") == "5000"
    link = page.get_by_role("link", name="Show my visits as text")
    page.goto(link.get_attribute("href"))
    assert page.locator("body").inner_text().startswith("Visits: ")
