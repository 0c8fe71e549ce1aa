"""Check-in through the API: the same commands the browser gets, and bad requests change nothing."""
import pytest

from ..conftest import OWN_EXAMPLES


@pytest.fixture
def api(site, docassemble_examples):
    made = site(dirs=[docassemble_examples, OWN_EXAMPLES])
    key = made.api_key()

    class Api:
        def start(self, name):
            info = made.browser.get("/api/session/new", params={"key": key, "i": name}).json()
            self.name, self.session, self.secret = name, info["session"], info["secret"]
            return self

        def checkin(self, action=None, **parameters):
            body = {"key": key, "i": self.name, "session": self.session, "secret": self.secret,
                    "parameters": parameters}
            if action:
                body["action"] = action
            return made.browser.post("/api/session/checkin", json=body)

        def raw_checkin(self, body):
            return made.browser.post("/api/session/checkin", json={"key": key, "i": self.name, "session": self.session,
                                                                   "secret": self.secret, **body})

        def variables(self):
            return made.browser.get("/api/session", params={"key": key, "i": self.name, "session": self.session,
                                                            "secret": self.secret}).json()

        def action(self, action, **arguments):
            return made.browser.post("/api/session/action", json={
                "key": key, "i": self.name, "session": self.session, "secret": self.secret,
                "action": action, "arguments": arguments})

    return Api()


def commands(reply):
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["success"] is True
    return body["commands"]


def test_track_drafts_saves_what_the_action_changes(api):
    api.start("check-in.yml")
    assert commands(api.checkin("track_drafts", favorite_food="", _initial=True)) == []
    assert commands(api.checkin("track_drafts", favorite_food="apples", _changed="favorite_food")) == []
    assert commands(api.checkin("track_drafts", favorite_food="pears")) == []
    answers = api.variables()
    assert answers["counter"] == 3
    assert sorted(answers["drafts"]) == ["apples", "pears"]


def test_targeted_template_becomes_html(api):
    api.start("target-template.yml")
    (command,) = commands(api.checkin("question_food", favorite_food="apples"))
    assert command == {"command": "target", "target": "feedback",
                       "content": "<em>What?</em>  You like\nAPPLES?"}


def test_code_then_template(api):
    api.start("target-code-template.yml")
    (command,) = commands(api.checkin("question_food", favorite_food=""))
    assert command["content"] == "<em>What?</em>  You like nothing?"


def test_background_response_target_keywords(api):
    api.start("target-code.yml")
    (command,) = commands(api.checkin("question_food", favorite_food="kale"))
    assert command == {"command": "target", "target": "feedback", "content": "What? You like KALE?"}


def test_fields_command_sets_a_number(api):
    api.start("ajax-calc.yml")
    (command,) = commands(api.checkin("add_numbers", var_a="3", var_b="4", var_c=""))
    assert command == {"command": "fields", "values": {"var_c": 12.0}}
    assert commands(api.checkin("add_numbers", var_a="", var_b="4", var_c="")) == []


def test_dropdown_choices_are_normalised(api):
    api.start("country-state.yml")
    assert commands(api.checkin("update_states_list", country="CA", state="", _changed="state")) == []
    (command,) = commands(api.checkin("update_states_list", country="CA", state="", _changed="country"))
    choices = command["values"]["state"]["choices"]
    assert ["ON", "Ontario"] in choices and len(choices) == 13
    (command,) = commands(api.checkin("update_states_list", country="AQ", state="", _changed="country"))
    assert command["values"]["state"]["choices"] == [["N/A", "N/A"]]


def test_flash_only_when_the_food_changes(api):
    api.start("ajax-flash.yml")
    (command,) = commands(api.checkin("criticize_food", favorite_food="chips", favorite_drink=""))
    assert command == {"command": "flash", "message": "What? You like CHIPS?"}
    assert commands(api.checkin("criticize_food", favorite_food="chips", favorite_drink="")) == []


def test_refresh_when_the_number_changes_and_clamps(api):
    api.start("ajax-refresh.yml")
    assert commands(api.checkin("set_number_of_things", number_of_things="50", thing="")) == [{"command": "refresh"}]
    assert api.variables()["number_of_things"] == 10
    assert commands(api.checkin("set_number_of_things", number_of_things="10", thing="")) == []


def test_heartbeat_without_action(api):
    api.start("check-in.yml")
    assert commands(api.checkin()) == []
    assert api.variables()["counter"] == 0


@pytest.mark.parametrize("body, message", [
    ({"action": "track_drafts", "parameters": "favorite_food=x"}, "Malformed parameters."),
    ({"action": "track_drafts", "parameters": ["x"]}, "Parameters data is not a dict."),
    ({"action": "track_drafts", "parameters": {"1bad": "x"}}, "is not a variable name"),
    ({"action": "track_drafts", "parameters": {"favorite_food": {"nested": 1}}}, "must be text"),
    ({"action": "no such action!", "parameters": {}}, "is not an action name"),
])
def test_malformed_checkins_are_refused_and_change_nothing(api, body, message):
    api.start("check-in.yml")
    before = api.variables()
    reply = api.raw_checkin(body)
    assert 400 <= reply.status_code < 500
    assert message in reply.text
    assert api.variables() == before


def test_values_are_data_never_code(api, tmp_path):
    api.start("check-in.yml")
    marker = tmp_path / "pwned"
    payload = f"__import__('pathlib').Path('{marker}').touch() or 'x'"
    commands(api.checkin("track_drafts", favorite_food=payload))
    assert not marker.exists()
    assert api.variables()["drafts"] == [payload]


def test_wrong_secret_is_refused(api):
    api.start("check-in.yml")
    api.secret = "wrong"
    reply = api.checkin("track_drafts", favorite_food="x")
    assert reply.status_code == 400


def test_non_persistent_action_is_a_checkin(api):
    api.start("check-in.yml")
    assert api.action("track_drafts", favorite_food="soup").status_code == 204
    assert api.variables()["counter"] == 1
    assert api.variables()["_internal"]["event_stack"] == {} or all(
        not stack for stack in api.variables()["_internal"]["event_stack"].values())
