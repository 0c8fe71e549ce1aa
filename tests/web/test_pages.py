"""The server-rendered pages, driven through Starlette's TestClient."""
from __future__ import annotations

import re

import pytest

from chambers.sessions.service import SessionRef
from chambers.web.cookies import COOKIE_NAME, BrowserState



def form_inputs(html: str) -> dict[str, str]:
    """The hidden control inputs of the question form (csrf token, question name)."""
    found = {}
    for name, value in re.findall(r'<input type="hidden" name="(_[a-z_]+)" value="([^"]*)"', html):
        found.setdefault(name, value)
    return found

DETAILS = """
metadata:
  title: Your details
---
mandatory: True
question: |
  Thanks, ${ name }
subquestion: |
  Age ${ age }; e-mail ${ email }; colour ${ colour }; pet ${ pet }; agree ${ agree }.
---
question: What is your name?
fields:
  - Your name: name
---
question: |
  More about ${ name }
fields:
  - Age: age
    datatype: integer
    min: 18
    max: 120
  - E-mail: email
    datatype: email
  - Nickname: nickname
    required: False
  - Colour: colour
    datatype: radio
    choices:
      - Red
      - Blue
  - Pet: pet
    choices:
      - Cat
      - Dog
  - Agree: agree
    datatype: yesno
  - Notes: notes
    datatype: area
    required: False
"""

BUTTONS = """
metadata:
  title: Buttons
---
mandatory: True
question: |
  Hello ${ name }
buttons:
  - Refresh: refresh
  - Exit: exit
  - Leave: leave
    url: https://example.com/bye
  - Restart: restart
---
question: Name?
fields:
  - Name: name
"""

LETTER = """
metadata:
  title: Letter
---
mandatory: True
question: Your letter is ready
attachment:
  name: Letter to ${ name }
  filename: letter
  content: |
    Dear ${ name },

    This is your letter.
  valid formats:
    - pdf
---
question: Name?
fields:
  - Name: name
"""

ACTIONS = """
mandatory: True
question: Main screen
subquestion: |
  [Show it](${ url_action('show_it', n=3) })
---
event: show_it
question: |
  Shown ${ action_argument('n') }
"""

BROKEN_CODE = """
mandatory: True
code: |
  total = 1 / 0
"""

RESPONDS = """
mandatory: True
code: |
  response("plain words", content_type="text/plain; charset=utf-8")
"""


def start(browser, name: str):
    page = browser.get(f"/interview?i={name}&new=1")
    assert page.status_code == 200, page.text
    return page


def post(browser, name: str, page, data: dict, **extra):
    hidden = form_inputs(page.text)
    body = {"_csrf": hidden["_csrf"], "_question_name": hidden["_question_name"], **data}
    return browser.post(f"/interview?i={name}", data=body, **extra)


def session_of(site, browser, name: str) -> SessionRef:
    request = type("R", (), {"cookies": {COOKIE_NAME: browser.cookies.get(COOKIE_NAME)}})()
    state = BrowserState.load(request, site.app.state.web.cookies)
    ref = state.ref_for(name)
    assert ref is not None
    return ref


def valid_details(**changes):
    data = {"age": "30", "email": "ada@example.com", "nickname": "", "colour": "Red", "pet": "Dog",
            "agree": "True", "notes": ""}
    data.update(changes)
    return data


# Listing and starting ------------------------------------------------------------------------------------
def test_index_lists_interviews_and_shows_a_broken_one_with_its_error(site):
    app = site({"details.yml": DETAILS, "broken.yml": "question: [unclosed\n"})
    page = app.browser.get("/")
    assert page.status_code == 200
    assert "Your details" in page.text
    assert 'href="/interview?i=details.yml&amp;new=1"' in page.text
    assert "broken.yml" in page.text and "cannot be loaded" in page.text


def test_start_sets_an_httponly_cookie_and_shows_the_first_question(site):
    app = site({"details.yml": DETAILS})
    page = start(app.browser, "details.yml")
    assert "What is your name?" in page.text
    cookie = page.history[0].headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert 'id="chambers-flash"' in page.text
    assert 'data-checkin-interval="6000"' in page.text
    assert 'name="_question_name" value="Question_1"' in page.text
    assert 'name="name"' in page.text and 'for="field-' in page.text


def test_resuming_keeps_the_same_session_and_new_starts_another(site):
    app = site({"details.yml": DETAILS})
    start(app.browser, "details.yml")
    first = session_of(app, app.browser, "details.yml")
    app.browser.get("/interview?i=details.yml")
    assert session_of(app, app.browser, "details.yml") == first
    start(app.browser, "details.yml")
    assert session_of(app, app.browser, "details.yml") != first


def test_unknown_interview_and_missing_name_are_readable_errors(site):
    app = site({"details.yml": DETAILS})
    missing = app.browser.get("/interview?i=nope.yml")
    assert missing.status_code == 404 and "No such interview" in missing.text
    assert app.browser.get("/interview").status_code == 400


def test_engine_error_is_a_readable_page_and_nothing_is_saved(site):
    app = site({"broken_code.yml": BROKEN_CODE})
    page = app.browser.get("/interview?i=broken_code.yml")
    assert page.status_code == 500
    assert "ZeroDivisionError" in page.text
    assert "Traceback" not in page.text
    assert app.chambers.service.sessions.count() == 0


# Answering --------------------------------------------------------------------------------------------------
def test_answering_fields_moves_on(site):
    app = site({"details.yml": DETAILS})
    page = start(app.browser, "details.yml")
    page = post(app.browser, "details.yml", page, {"name": "Ada"})
    assert page.status_code == 200
    assert "More about Ada" in page.text
    assert 'type="number"' in page.text and 'step="1"' in page.text and 'min="18"' in page.text
    assert 'type="email"' in page.text and "<textarea" in page.text and 'type="radio"' in page.text
    assert '<option value="">' in page.text
    page = post(app.browser, "details.yml", page, valid_details())
    assert "Thanks, Ada" in page.text
    assert "Age 30; e-mail ada@example.com; colour Red; pet Dog; agree True." in page.text


@pytest.mark.parametrize("changes, variable, message", [
    ({"age": "abc"}, "age", "Please enter a whole number."),
    ({"age": "12"}, "age", "The value must be at least 18."),
    ({"age": "121"}, "age", "The value must be at most 120."),
    ({"email": "not-an-address"}, "email", "Please enter a valid e-mail address."),
    ({"pet": ""}, "pet", "This field is required."),
])
def test_invalid_input_is_shown_next_to_the_field_keeps_values_and_saves_nothing(site, changes, variable, message):
    app = site({"details.yml": DETAILS})
    page = post(app.browser, "details.yml", start(app.browser, "details.yml"), {"name": "Ada"})
    ref = session_of(app, app.browser, "details.yml")
    steps = app.chambers.service.steps(ref)
    typed = valid_details(nickname="Countess", **changes)
    typed.pop("colour")                      # a required radio left unanswered
    answer = post(app.browser, "details.yml", page, typed)
    assert answer.status_code == 422
    assert message in answer.text
    assert "Please choose" in answer.text or "This field is required." in answer.text
    assert 'value="Countess"' in answer.text          # what was typed is kept
    assert f'value="{typed["age"]}"' in answer.text
    assert 'aria-invalid="true"' in answer.text and "aria-describedby=" in answer.text
    assert 'name="_back"' in answer.text                  # still two steps: Back is offered
    assert app.chambers.service.steps(ref) == steps
    assert variable not in app.chambers.service.variables(ref)
    assert "nickname" not in app.chambers.service.variables(ref)


def test_missing_required_field_is_refused(site):
    app = site({"details.yml": DETAILS})
    page = start(app.browser, "details.yml")
    answer = post(app.browser, "details.yml", page, {"name": "  "})
    assert answer.status_code == 422
    assert "This field is required." in answer.text


def test_back_returns_to_the_previous_screen(site):
    app = site({"details.yml": DETAILS})
    page = post(app.browser, "details.yml", start(app.browser, "details.yml"), {"name": "Ada"})
    assert "&larr; Back" in page.text or "Back</button>" in page.text
    back = app.browser.post("/interview?i=details.yml", data={"_csrf": form_inputs(page.text)["_csrf"], "_back": "1"})
    assert back.status_code == 200
    assert "What is your name?" in back.text
    assert 'name="_back"' not in back.text


def test_answering_a_screen_that_is_no_longer_current_shows_the_current_one(site):
    app = site({"details.yml": DETAILS})
    first = start(app.browser, "details.yml")
    post(app.browser, "details.yml", first, {"name": "Ada"})
    again = post(app.browser, "details.yml", first, {"name": "Bob"})
    assert again.status_code == 409
    assert "no longer the current one" in again.text
    assert "More about Ada" in again.text


def test_refreshing_a_screen_that_is_no_longer_current_just_shows_the_current_one(site):
    app = site({"details.yml": DETAILS})
    first = start(app.browser, "details.yml")
    post(app.browser, "details.yml", first, {"name": "Ada"})
    again = post(app.browser, "details.yml", first, {"_button": "0:refresh"})
    assert again.status_code == 200
    assert "no longer the current one" not in again.text and "More about Ada" in again.text


# Special buttons -----------------------------------------------------------------------------------------
def buttons_screen(app):
    page = post(app.browser, "buttons.yml", start(app.browser, "buttons.yml"), {"name": "Ada"})
    assert "Hello Ada" in page.text
    return page


def test_refresh_shows_the_same_screen(site):
    app = site({"buttons.yml": BUTTONS})
    page = buttons_screen(app)
    again = post(app.browser, "buttons.yml", page, {"_button": "0"})
    assert again.status_code == 200 and "Hello Ada" in again.text


def test_exit_ends_the_session(site):
    app = site({"buttons.yml": BUTTONS})
    page = buttons_screen(app)
    ref = session_of(app, app.browser, "buttons.yml")
    left = post(app.browser, "buttons.yml", page, {"_button": "1"})
    assert left.url.path == "/exited" and "You have left the interview" in left.text
    assert not app.chambers.service.sessions.exists(ref.session_id)
    fresh = app.browser.get("/interview?i=buttons.yml")
    assert "Name?" in fresh.text


def test_leave_goes_to_the_buttons_url(site):
    app = site({"buttons.yml": BUTTONS})
    page = buttons_screen(app)
    hidden = form_inputs(page.text)
    left = app.browser.post("/interview?i=buttons.yml", follow_redirects=False,
                            data={**hidden, "_button": "2"})
    assert left.status_code == 303
    assert left.headers["location"] == "https://example.com/bye"


def test_restart_begins_again(site):
    app = site({"buttons.yml": BUTTONS})
    page = buttons_screen(app)
    again = post(app.browser, "buttons.yml", page, {"_button": "3"})
    assert again.status_code == 200 and "Name?" in again.text


# Actions and responses --------------------------------------------------------------------------------
def test_url_action_link_runs_the_action_then_shows_the_plain_page(site):
    app = site({"actions.yml": ACTIONS})
    page = start(app.browser, "actions.yml")
    link = re.search(r'href="([^"]*action=show_it[^"]*)"', page.text)
    assert link, page.text
    shown = app.browser.get(link.group(1).replace("&amp;", "&"))
    assert shown.url.query.decode() == "i=actions.yml"
    assert "Shown 3" in shown.text


def test_bad_action_arguments_are_refused(site):
    app = site({"actions.yml": ACTIONS})
    start(app.browser, "actions.yml")
    bad = app.browser.get("/interview?i=actions.yml&action=show_it&arguments=%7Bnot-json")
    assert bad.status_code == 400 and "not valid JSON" in bad.text


def test_a_response_block_is_sent_raw(site):
    app = site({"responds.yml": RESPONDS})
    page = app.browser.get("/interview?i=responds.yml")
    assert page.text == "plain words"
    assert page.headers["content-type"].startswith("text/plain")


# Files --------------------------------------------------------------------------------------------------
def test_attachment_downloads_as_pdf_only_for_its_browser(site):
    app = site({"letter.yml": LETTER})
    page = post(app.browser, "letter.yml", start(app.browser, "letter.yml"), {"name": "Ada"})
    assert "Letter to Ada" in page.text
    link = re.search(r'href="(/files/\d+/letter\.pdf)"', page.text)
    assert link, page.text
    download = app.browser.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    assert "letter.pdf" in download.headers["content-disposition"]
    stranger = app.new_browser()
    assert stranger.get(link.group(1)).status_code == 404
    assert app.browser.get("/files/999999/letter.pdf").status_code == 404
    assert app.browser.get("/files/abc/letter.pdf").status_code == 404


# CSRF ---------------------------------------------------------------------------------------------------
def test_posts_without_the_browsers_token_are_refused(site):
    app = site({"details.yml": DETAILS})
    page = start(app.browser, "details.yml")
    hidden = form_inputs(page.text)
    ref = session_of(app, app.browser, "details.yml")
    steps = app.chambers.service.steps(ref)
    missing = app.browser.post("/interview?i=details.yml", data={"_question_name": hidden["_question_name"],
                                                                 "name": "Mallory"})
    assert missing.status_code == 403 and "security token" in missing.text
    wrong = app.browser.post("/interview?i=details.yml", data={**hidden, "_csrf": "forged", "name": "Mallory"})
    assert wrong.status_code == 403
    stranger = app.new_browser().post("/interview?i=details.yml", data={**hidden, "name": "Mallory"})
    assert stranger.status_code == 403
    assert app.chambers.service.steps(ref) == steps
    assert "name" not in app.chambers.service.variables(ref)
