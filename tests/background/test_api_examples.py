"""docassemble's nine background-action examples, unchanged, driven through the JSON API:
answer the first question, then poll ``/api/session/question`` (and check in, for the examples
that notify the screen) until the result shows.  On the embedded default and, marked ``cluster``,
on a cluster of ``chambers serve`` and two ``chambers worker`` processes."""
from __future__ import annotations

import time

import pytest


def notifications(session, *, timeout: float = 30.0) -> list[dict]:
    """Check in until the finished action's notification arrives; its commands."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        commands = session.checkin()
        if commands:
            return commands
        time.sleep(0.02)
    raise AssertionError("no notification arrived")


def test_background_action_returns_a_value(api):
    session = api.start("background_action.yml")
    assert session.question()["questionText"] == "How much shall I add to 553?"
    waiting = session.answer(value_to_add=3)
    assert waiting["questionText"].startswith("Hang tight.")     # the launching request never sees it ready
    assert session.wait_for("The answer is")["questionText"] == "The answer is 556."


def test_background_response_action_sets_a_variable(api):
    session = api.start("background_action_with_response_action.yml")
    session.answer(value_to_add=3)
    session.wait_for("The answer is 556.")
    assert session.variables()["answer"] == 556


def test_flash_notification_is_delivered_once(api):
    session = api.start("background_action_flash.yml")
    assert session.answer(value_to_add=3)["questionText"] == "Your answer will appear shortly."
    [flash] = notifications(session)
    assert (flash["command"], flash["message"]) == ("flash", "The answer is 556.")
    assert session.checkin() == []
    done = session.wait_for("All done.")
    assert "> The answer is 556." in done["subquestionText"]


def test_javascript_notification(api):
    session = api.start("background_action_javascript.yml")
    session.answer(value_to_add=3)
    [script] = notifications(session)
    assert (script["command"], script["code"]) == ("javascript", "alert('The answer is 556.');")
    assert "alert('The answer is 556.');" in session.wait_for("All done.")["subquestionText"]


def test_fields_notification(api):
    session = api.start("background_action_fields.yml")
    waiting = session.answer(value_to_add=3)
    assert [f["variable_name"] for f in waiting["fields"]] == ["the_number"]
    [fields] = notifications(session)
    assert fields["command"] == "fields" and fields["values"] == {"the_number": 556}
    assert "{'the_number': 556}" in session.wait_for("All done.")["subquestionText"]


def test_refresh_notification(api):
    session = api.start("background_action_refresh.yml")
    assert session.answer(value_to_add=3)["questionText"] == "Hang tight."
    [refresh] = notifications(session)
    assert refresh["command"] == "refresh"
    assert session.question()["questionText"] == "The answer is 556."


@pytest.mark.parametrize(("denominator", "shown"), [(0, "There was an error."), (4, "The result was 2.5.")])
def test_error_callback_demo(api, denominator, shown):
    session = api.start("background-error-action-demo.yml")
    session.answer(b=10, c=denominator)
    assert session.wait_for("Result of task")["subquestionText"].strip() == shown


def test_error_action_details(api):
    session = api.start("background-error-action.yml")
    session.answer(value_to_add=3)
    text = session.wait_for("There was an error.")["subquestionText"]
    assert "Failure at the calculation stage due to a ZeroDivisionError error" in text
    assert "`handled_error`" in text and "`ZeroDivisionError`" in text and "`['bg_task']`" in text
    assert "division by zero" in text


def test_assemble_in_background(api):
    session = api.start("assemble-in-background.yml")
    assert session.answer(sweetheart="Jo")["questionText"] == "Please wait..."
    [refresh] = notifications(session)
    assert refresh["command"] == "refresh"
    done = session.question()
    assert done["questionText"] == "Document created"
    [letter] = done["attachments"]
    assert letter["name"] == "A letter" and letter["filename_with_extension"]["pdf"] == "letter.pdf"
    assert isinstance(letter["number"]["pdf"], int)        # assembled in the worker, stored with the session
