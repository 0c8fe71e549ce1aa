"""Every docassemble example's first screen through the JSON API, and the project's own examples."""
import pytest

from ..conftest import OWN_EXAMPLES

FIRST_SCREENS = {
    "ajax-calc.yml": ("Let's calculate some stuff.", ["var_a", "var_b", "var_c"]),
    "ajax-flash.yml": ("What is your favorite food?", ["favorite_food", "favorite_drink"]),
    "ajax-refresh.yml": ("Tell me which thing you want.", ["number_of_things", "thing"]),
    "assemble-in-background.yml": ("What is the name of your\nsweetheart?", ["sweetheart"]),
    "background-error-action-demo.yml": ("Give me some numbers.", ["b", "c"]),
    "background-error-action.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_fields.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_flash.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_javascript.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_refresh.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_with_response_action.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "check-in.yml": ("What is your favorite food?", ["favorite_food"]),
    "country-state.yml": ("Where do you live?", ["country", "state"]),
    "email-to-case-simple.yml": ("E-mailing to the interview", ["intro_seen"]),
    "email-to-case.yml": ("E-mailing to the interview", ["intro_seen"]),
    "target-code-template.yml": ("What is your favorite food?", ["favorite_food"]),
    "target-code.yml": ("What is your favorite food?", ["favorite_food"]),
    "target-template.yml": ("What is your favorite food?", ["favorite_food"]),
}


@pytest.fixture
def api(site, docassemble_examples):
    made = site(dirs=[docassemble_examples, OWN_EXAMPLES])
    key = made.api_key()

    class Api:
        chambers = made.chambers

        def get(self, path, **params):
            return made.browser.get(path, params={"key": key, **params})

        def post(self, path, **data):
            return made.browser.post(path, json={"key": key, **data})

        def start(self, name):
            info = self.get("/api/session/new", i=name).json()
            return info["session"], info["secret"]

    return Api()


def test_every_example_is_listed(api, docassemble_examples):
    names = {item["filename"] for item in api.get("/api/interviews").json()}
    assert set(FIRST_SCREENS) <= names


@pytest.mark.parametrize("name", sorted(FIRST_SCREENS))
def test_first_screen(api, name):
    session, secret = api.start(name)
    question = api.get("/api/session/question", i=name, session=session, secret=secret).json()
    text, variables = FIRST_SCREENS[name]
    assert question["questionText"] == text
    assert [f["variable_name"] for f in question["fields"]] == variables


def test_background_example_first_answer_reaches_waiting_logic_without_a_queue(api):
    # Without a task queue configured the launch fails with a clear error, and nothing is saved.
    name = "background_action.yml"
    session, secret = api.start(name)
    reply = api.post("/api/session", i=name, session=session, secret=secret, variables={"value_to_add": 3})
    assert reply.status_code == 400
    assert "task queue" in reply.json()
    steps = api.get("/api/session/question", i=name, session=session, secret=secret).json()["steps"]
    assert steps == 1


def test_email_example_settrue_then_address_needs_mail(api):
    name = "email-to-case-simple.yml"
    session, secret = api.start(name)
    question = api.get("/api/session/question", i=name, session=session, secret=secret).json()
    assert question["questionType"] == "settrue"


def test_special_button_exit_through_the_api(api):
    name = "waiting-room.yml"
    session, secret = api.start(name)
    question = api.post("/api/session", i=name, session=session, secret=secret,
                        variables={"ready_to_go": True}).json()
    assert question["questionText"] == "Thanks for waiting"
    exit_choice = next(c for c in question["fields"][0]["choices"] if c["label"] == "Finish")
    reply = api.post("/api/session", i=name, session=session, secret=secret,
                     variables={exit_choice["variable_name"]: exit_choice["value"]})
    assert reply.json()["questionType"] == "exit"
    gone = api.get("/api/session/question", i=name, session=session, secret=secret)
    assert gone.status_code == 400


def test_new_session_is_created_even_when_a_variable_is_missing(api, site, tmp_path):
    made = site({"gap.yml": "mandatory: True\nquestion: ${ nowhere }\n"})
    key = made.api_key()
    info = made.browser.get("/api/session/new", params={"key": key, "i": "gap.yml"}).json()
    question = made.browser.get("/api/session/question", params={
        "key": key, "i": "gap.yml", "session": info["session"], "secret": info["secret"]}).json()
    assert question["questionType"] == "undefined_variable" and question["variable"] == "nowhere"


def test_own_examples_walk_through_the_api(api):
    name = "repair-letter.yml"
    session, secret = api.start(name)
    post = lambda **v: api.post("/api/session", i=name, session=session, secret=secret, variables=v).json()
    question = post(**{"tenant.name": "Sam", "tenant.email": "", "tenant.household": 1})
    assert question["questionText"] == "About the problem"
    question = post(landlord_name="Pat", problem_kind="damp", problems_started="2026-02-01",
                    monthly_rent=700.0, room="Bedroom")
    assert question["questionType"] == "settrue"
    question = post(agrees_to_terms=True)
    assert question["questionText"] == "Your letter is ready, Sam."
    (attachment,) = question["attachments"]
    assert attachment["name"] == "Repair request letter"
    assert set(attachment["url"]) == {"pdf", "rtf", "html"}
