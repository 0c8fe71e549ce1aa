"""The docassemble-compatible JSON API (contract: shared/spec/api.md)."""
from __future__ import annotations

import json

import pytest

TWO_STEPS = """
metadata:
  title: Two steps
---
mandatory: True
code: |
  name
  age
---
mandatory: True
question: |
  Done: ${ name } is ${ age }
---
question: What is your name?
fields:
  - Name: name
---
question: How old are you?
fields:
  - Age: age
    datatype: integer
    min: 0
---
event: ping
code: |
  pings = pings + 1 if defined('pings') else 1
---
event: say
code: |
  response("said " + str(action_argument('word')), content_type="text/plain")
"""

CHOOSE = """
mandatory: True
code: |
  fruit
  likes
---
mandatory: True
question: |
  Special for ${ fruit } (${ 'yes' if likes else 'no' })
buttons:
  - Exit: exit
  - Restart: restart
---
question: Pick a fruit
field: fruit
buttons:
  - Apple: apple
  - Pear: pear
---
question: Do you like it?
yesno: likes
"""

NEEDS_MISSING = """
mandatory: True
code: |
  first
  second_thing_nobody_defines
---
question: First?
fields:
  - First: first
"""


@pytest.fixture
def api(site, docassemble_examples):
    app = site({"two.yml": TWO_STEPS, "choose.yml": CHOOSE, "missing.yml": NEEDS_MISSING}, dirs=[docassemble_examples])
    return Api(app)


class Api:
    def __init__(self, app):
        self.app = app
        self.key = app.api_key()
        self.client = app.new_browser()

    def get(self, path, **params):
        return self.client.get(path, params={"key": self.key, **params})

    def post(self, path, **data):
        form = {k: (json.dumps(v) if not isinstance(v, str) else v) for k, v in data.items()}
        return self.client.post(path, data={"key": self.key, **form})

    def new(self, i):
        answer = self.get("/api/session/new", i=i)
        assert answer.status_code == 200, answer.text
        info = answer.json()
        assert len(info["session"]) == 32 and len(info["secret"]) == 16 and isinstance(info["encrypted"], bool)
        return info

    def question(self, info, **extra):
        return self.get("/api/session/question", i=info["i"], session=info["session"], secret=info["secret"],
                        **extra)

    def set(self, info, **data):
        return self.post("/api/session", i=info["i"], session=info["session"], secret=info["secret"], **data)


# Authentication ---------------------------------------------------------------------------------------
def test_missing_or_unknown_key_is_access_denied(api):
    plain = api.app.new_browser()
    for answer in (plain.get("/api/session/new", params={"i": "two.yml"}),
                   plain.get("/api/session/new", params={"i": "two.yml", "key": "not-a-key"}),
                   plain.get("/api/session/new", params={"i": "two.yml"}, headers={"Authorization": "Bearer nope"})):
        assert answer.status_code == 403
        assert answer.json() == "Access denied."


def test_key_is_accepted_in_every_documented_place(api):
    plain = api.app.new_browser()
    key = api.key
    assert plain.get("/api/session/new", params={"i": "two.yml"}, headers={"X-API-Key": key}).status_code == 200
    assert plain.get("/api/session/new", params={"i": "two.yml"},
                     headers={"Authorization": f"bearer  {key} "}).status_code == 200
    plain.cookies.set("X-API-Key", key)
    assert plain.get("/api/session/new", params={"i": "two.yml"}).status_code == 200
    info = api.new("two.yml")
    other = api.app.new_browser()
    by_form = other.post("/api/session", data={"key": key, "i": "two.yml", "session": info["session"],
                                               "secret": info["secret"], "variables": '{"name": "Jo"}'})
    assert by_form.status_code == 200, by_form.text
    by_json = other.post("/api/session", json={"key": key, "i": "two.yml", "session": info["session"],
                                               "secret": info["secret"], "variables": {"age": 40}})
    assert by_json.status_code == 200, by_json.text
    assert by_json.json()["questionText"] == "Done: Jo is 40"


def test_cors_allows_any_origin(api):
    preflight = api.client.options("/api/session/new", headers={"Origin": "https://elsewhere.example",
                                                                 "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert api.get("/api/session/new", i="two.yml").headers["access-control-allow-origin"] == "*"


# A walk through an interview of our own ---------------------------------------------------------------------
def test_walk_set_read_back_and_delete(api):
    assert api.get("/api/session/new").json() == "Parameter i is required."
    info = api.new("two.yml")
    first = api.question(info)
    assert first.status_code == 200
    screen = first.json()
    assert screen["questionType"] == "fields"
    assert screen["questionName"] == "Question_2"
    assert screen["questionText"] == "What is your name?"
    assert screen["fields"][0] == {**screen["fields"][0], "variable_name": "name", "datatype": "text",
                                   "label": "Name", "required": True}
    assert screen["event_list"] == ["name"]
    assert screen["steps"] == 1 and screen["allow_going_back"] is False
    assert screen["continueLabel"] == "Continue"

    second = api.set(info, variables={"name": "Jo"}, question_name=screen["questionName"],
                     event_list=screen["event_list"]).json()
    assert second["questionText"] == "How old are you?"
    age = second["fields"][0]
    assert age["datatype"] == "integer" and age["min"] == "0" and age["required"] is True
    assert age["validation_messages"]["step"] == "Please enter a whole number."
    assert second["steps"] == 2 and second["allow_going_back"] is True

    back = api.post("/api/session/back", i=info["i"], session=info["session"], secret=info["secret"])
    assert back.status_code == 200 and back.json()["questionText"] == "What is your name?"
    assert back.json()["steps"] == 1
    api.set(info, variables={"name": "Jo"})
    done = api.set(info, variables={"age": 41}).json()
    assert done["questionType"] == "deadend" and done["questionText"] == "Done: Jo is 41"
    assert "fields" not in done

    variables = api.get("/api/session", i=info["i"], session=info["session"], secret=info["secret"]).json()
    assert variables["name"] == "Jo" and variables["age"] == 41
    assert isinstance(variables["_internal"]["answered"], list)

    deleted = api.client.delete("/api/session", params={"key": api.key, "i": info["i"],
                                                        "session": info["session"]})
    assert deleted.status_code == 204 and deleted.content == b""
    gone = api.question(info)
    assert gone.status_code == 400 and gone.json() == "Unable to obtain interview dictionary."


def test_question_false_and_dates(api):
    info = api.new("two.yml")
    quiet = api.set(info, variables={"name": "Jo", "birthday": "2001-02-03"}, question="false")
    assert quiet.status_code == 204 and quiet.content == b""
    variables = api.get("/api/session", i=info["i"], session=info["session"], secret=info["secret"]).json()
    assert variables["birthday"] == "2001-02-03"
    raw = api.set(info, variables={"stamp": "2001-02-03"}, raw="true", question="0")
    assert raw.status_code == 204


def test_back_with_one_step_is_refused(api):
    info = api.new("two.yml")
    answer = api.post("/api/session/back", i=info["i"], session=info["session"], secret=info["secret"])
    assert answer.status_code == 400 and answer.json() == "Cannot go back."


@pytest.mark.parametrize("data, message", [
    ({"variables": "{not json"}, "Malformed variables."),
    ({"variables": "[1, 2]"}, "Variables data is not a dict."),
    ({"variables": {"name()": 1}}, "Illegal value as variable name."),
    ({"variables": {"__import__('os').name": 1}}, "Illegal value as variable name."),
    ({"delete_variables": "oops"}, "Malformed list of delete variables."),
    ({"delete_variables": {"a": 1}}, "Delete variables data is not a list."),
    ({"event_list": "{"}, "Malformed event list."),
    ({"event_list": {"a": 1}}, "Event list data is not a list."),
    ({"event_list": ["os.system('x')"]}, "Illegal value as event name."),
    ({"question_name": "Question_99"}, "Problem marking question as completed"),
])
def test_bad_posts_are_refused_and_change_nothing(api, data, message):
    info = api.new("two.yml")
    answer = api.set(info, **data)
    assert answer.status_code == 400
    assert answer.json() == message
    variables = api.get("/api/session", i=info["i"], session=info["session"], secret=info["secret"]).json()
    assert "name" not in variables


def test_setting_an_attribute_of_nothing_is_a_problem_setting_variables(api):
    info = api.new("two.yml")
    answer = api.set(info, variables={"nobody.name": "Jo"})
    assert answer.status_code == 400
    assert answer.json().startswith("Problem setting variables:")


def test_unknown_session_wrong_secret_and_wrong_interview_look_the_same(api):
    info = api.new("two.yml")
    looks = set()
    for params in ({"i": "two.yml", "session": "x" * 32, "secret": info["secret"]},
                   {"i": "two.yml", "session": info["session"], "secret": "WrongSecretAbcde"},
                   {"i": "two.yml", "session": info["session"]},
                   {"i": "choose.yml", "session": info["session"], "secret": info["secret"]}):
        answer = api.get("/api/session/question", **params)
        assert answer.status_code == 400
        looks.add(answer.text)
        assert api.get("/api/session", **params).status_code == 400
        posted = api.post("/api/session", variables={"name": "Mallory"}, **params)
        assert posted.status_code == 400
    assert looks == {json.dumps("Unable to obtain interview dictionary.")}
    variables = api.get("/api/session", i=info["i"], session=info["session"], secret=info["secret"]).json()
    assert "name" not in variables
    assert api.get("/api/session/question", i="two.yml").json() == "Parameters i and session are required."


def test_delete_with_a_wrong_secret_deletes_nothing(api):
    info = api.new("two.yml")
    answer = api.client.delete("/api/session", params={"key": api.key, "i": info["i"], "session": info["session"],
                                                       "secret": "WrongSecretAbcde"})
    assert answer.status_code == 204
    assert api.question(info).status_code == 200


def test_undefined_variable_is_reported_as_a_question_type(api):
    info = api.new("missing.yml")
    answer = api.set(info, variables={"first": "x"})
    assert answer.status_code == 200
    assert answer.json()["questionType"] == "undefined_variable"
    assert answer.json()["variable"] == "second_thing_nobody_defines"


# Choices, yes/no, special buttons -----------------------------------------------------------------------------
def test_buttons_yesno_and_special_buttons(api):
    info = api.new("choose.yml")
    pick = api.question(info).json()
    assert pick["questionType"] == "multiple_choice" and pick["questionVariety"] == "buttons"
    field = pick["fields"][0]
    assert field["variable_name"] == "fruit" and field["fieldtype"] == "multiple_choice"
    assert [c["value"] for c in field["choices"]] == ["apple", "pear"]
    like = api.set(info, variables={"fruit": "pear"}).json()
    assert like["questionType"] == "yesno" and like["yesLabel"] == "Yes"
    assert like["fields"][0]["datatype"] == "boolean" and like["fields"][0]["variable_name"] == "likes"
    special = api.set(info, variables={"likes": True}).json()
    assert special["questionText"] == "Special for pear (yes)"
    field = special["fields"][0]
    assert "variable_name" not in field
    assert field["choices"][0]["variable_name"] == "_internal[\"answers\"]['Question_1']"
    assert [c["value"] for c in field["choices"]] == [0, 1]


# Actions ----------------------------------------------------------------------------------------------------
def test_actions(api):
    info = api.new("two.yml")
    base = {"i": info["i"], "session": info["session"], "secret": info["secret"]}
    assert api.post("/api/session/action", **base).json() == "Parameters i, session, and action are required."
    assert api.post("/api/session/action", action="ping", arguments="{bad", **base).json() == "Malformed arguments."
    assert api.post("/api/session/action", action="ping", arguments="[]", **base).json() == \
        "Arguments data is not a dict."
    done = api.post("/api/session/action", action="ping", **base)
    assert done.status_code == 204 and done.content == b""
    variables = api.get("/api/session", **base).json()
    assert variables["pings"] == 1
    said = api.post("/api/session/action", action="say", arguments={"word": "hi"}, **base)
    assert said.status_code == 200 and said.text == "said hi"
    assert said.headers["content-type"].startswith("text/plain")
    assert api.get("/api/session", **base).json()["pings"] == 1
    read_only = api.post("/api/session/action", action="ping", read_only="true", **base)
    assert read_only.status_code == 204
    assert api.get("/api/session", **base).json()["pings"] == 1


def test_interview_list(api):
    listing = api.get("/api/interviews").json()
    names = {entry["filename"] for entry in listing}
    assert {"two.yml", "check-in.yml", "country-state.yml"} <= names
    assert api.app.new_browser().get("/api/interviews").status_code == 403


# The docassemble examples ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["check-in.yml", "ajax-flash.yml", "target-template.yml"])
def test_first_screen_of_check_in_examples(api, name):
    info = api.new(f"docassemble.base:data/questions/examples/{name}")
    assert info["i"] == f"docassemble.base:data/questions/examples/{name}"
    screen = api.question(info).json()
    assert screen["questionType"] == "fields"
    assert screen["questionText"] == "What is your favorite food?"
    assert screen["fields"][0]["variable_name"] == "favorite_food"
    assert screen["fields"][0]["label"] == "Favorite food"
    assert "check in" not in json.dumps(screen)


def test_target_template_under_text(api):
    info = api.new("target-template.yml")
    screen = api.question(info).json()
    assert "feedback" in screen["underText"]


def test_check_in_action_counts_drafts(api):
    info = api.new("check-in.yml")
    base = {"i": info["i"], "session": info["session"], "secret": info["secret"]}
    for food in ("pizza", "soup"):
        answer = api.post("/api/session/action", action="track_drafts", arguments={"favorite_food": food}, **base)
        assert answer.status_code == 204, answer.text
    variables = api.get("/api/session", **base).json()
    assert variables["counter"] == 2
    assert sorted(variables["drafts"]) == ["pizza", "soup"]
    done = api.set(info, variables={"favorite_food": "pizza"}).json()
    assert done["questionText"] == "Your favorite food"
    assert "You checked in 2 times." in done["subquestionText"]


def test_country_state_choices(api):
    info = api.new("country-state.yml")
    screen = api.question(info).json()
    country, state = screen["fields"]
    assert country["variable_name"] == "country" and len(country["choices"]) == 249
    assert {"label": "Canada", "value": "CA"} in country["choices"]
    assert state["variable_name"] == "state" and len(state["choices"]) > 50


def test_email_to_case_first_screen_is_settrue(api):
    info = api.new("email-to-case-simple.yml")
    screen = api.question(info).json()
    assert screen["questionType"] == "settrue"
    assert screen["questionText"] == "E-mailing to the interview"
    field = screen["fields"][0]
    assert field["variable_name"] == "intro_seen" and "datatype" not in field
    assert "question_variable_name" not in screen
