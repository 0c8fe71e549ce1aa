"""The session service: what every front end relies on."""
import pytest

from chambers.interview.context import Identity
from chambers.interview.outcomes import Command, Response
from chambers.sessions import AccessDenied, SessionRef, StaleScreen, crypto
from chambers.sessions.service import CannotGoBackError, InvalidInput
from chambers.store.errors import VersionConflict

WEB = Identity(session_uid="browser-1")


def start(chambers, name):
    result = chambers.service.start(name, WEB)
    return result, SessionRef(result.session_id, result.secret)


def test_start_and_answer_a_docassemble_example(chambers):
    result, ref = start(chambers, "ajax-flash.yml")
    screen = result.screen
    assert screen.question == "What is your favorite food?"
    assert [f.variable for f in screen.fields] == ["favorite_food", "favorite_drink"]
    result = chambers.service.answer(ref, WEB, screen.block_name,
                                     {"favorite_food": "soup", "favorite_drink": "tea"})
    assert result.screen.question == "Your favorite food is\nsoup\nand your favorite drink is\ntea."
    assert result.steps == 2


def test_number_fields_store_floats_and_validation_saves_nothing(chambers):
    result, ref = start(chambers, "ajax-calc.yml")
    name = result.screen.block_name
    with pytest.raises(InvalidInput) as info:
        chambers.service.answer(ref, WEB, name, {"var_a": "three", "var_b": "", "var_c": "12"})
    assert info.value.problems == {"var_a": "Please enter a number.", "var_b": "This field is required."}
    assert chambers.service.steps(ref) == 1
    result = chambers.service.answer(ref, WEB, name, {"var_a": "3", "var_b": "4", "var_c": "12"})
    assert result.screen.question == "The correct answer is 12.0."


def test_integer_choices_from_code_round_trip(chambers):
    result, ref = start(chambers, "ajax-refresh.yml")
    screen = result.screen
    assert [c.value for c in screen.fields[1].choices] == [1, 2, 3]
    result = chambers.service.answer(ref, WEB, screen.block_name, {"number_of_things": "3", "thing": "2"})
    assert result.screen.question == "You picked thing 2."


def test_wrong_secret_and_unknown_session_look_the_same(chambers):
    result, ref = start(chambers, "check-in.yml")
    with pytest.raises(AccessDenied):
        chambers.service.view(SessionRef(ref.session_id, "wrong"), WEB)
    with pytest.raises(AccessDenied):
        chambers.service.view(SessionRef("x" * 32, ref.secret), WEB)


def test_stale_screen_is_refused(chambers):
    result, ref = start(chambers, "check-in.yml")
    with pytest.raises(StaleScreen):
        chambers.service.answer(ref, WEB, "Question_99", {"favorite_food": "x"})
    assert chambers.service.steps(ref) == 1


def test_back_restores_the_previous_step(chambers):
    result, ref = start(chambers, "ajax-flash.yml")
    name = result.screen.block_name
    chambers.service.answer(ref, WEB, name, {"favorite_food": "soup", "favorite_drink": "tea"})
    result = chambers.service.back(ref, WEB)
    assert result.screen.question == "What is your favorite food?"
    with pytest.raises(CannotGoBackError):
        chambers.service.back(ref, WEB)


def test_settrue_field_and_special_buttons(chambers):
    result, ref = start(chambers, "waiting-room.yml")
    screen = result.screen
    assert screen.kind == "yesno"
    result = chambers.service.answer(ref, WEB, screen.block_name, {"ready_to_go": "True"})
    screen = result.screen
    assert screen.question == "Thanks for waiting" and screen.reload_ms == 5000
    refresh = [b.index for b in screen.buttons if b.special == "refresh"][0]
    steps = chambers.service.steps(ref)
    chambers.service.answer(ref, WEB, screen.block_name, {}, button=refresh)
    assert chambers.service.steps(ref) == steps
    finish = [b.index for b in screen.buttons if b.special == "exit"][0]
    result = chambers.service.answer(ref, WEB, screen.block_name, {}, button=finish)
    assert result.outcome == Command(name="exit") and result.deleted
    with pytest.raises(AccessDenied):
        chambers.service.view(ref, WEB)


def test_url_action_response(chambers):
    result, ref = start(chambers, "waiting-room.yml")
    result = chambers.service.run_action(ref, WEB, "visits_as_text")
    assert isinstance(result.outcome, Response) and result.outcome.body.startswith("Visits: ")


def test_concurrent_writer_is_detected_by_version(chambers):
    result, ref = start(chambers, "check-in.yml")
    record = chambers.service.sessions.load(ref.session_id)
    chambers.service.view(ref, WEB)
    with pytest.raises(VersionConflict):
        chambers.service.sessions.save(ref.session_id, record.data, expected_version=record.version,
                                       new_step=False, encrypted=False)


def test_own_example_reaches_the_document(chambers):
    service = chambers.service
    result, ref = start(chambers, "repair-letter.yml")
    screen = result.screen
    assert screen.question == "Who are you?"
    result = service.answer(ref, WEB, screen.block_name, {"tenant.name": "Sam Lee", "tenant.email": "",
                                                          "tenant.household": "2"})
    screen = result.screen
    assert screen.question == "About the problem"
    assert [c.value for c in screen.fields[5].choices] == ["Kitchen", "Bathroom", "Bedroom", "Living room"]
    result = service.answer(ref, WEB, screen.block_name, {
        "landlord_name": "Pat", "problem_kind": "heat", "problems_started": "2026-01-05",
        "monthly_rent": "950.5", "room": "Kitchen"})
    screen = result.screen
    assert screen.kind == "settrue"
    result = service.answer(ref, WEB, screen.block_name, {})
    screen = result.screen
    assert screen.question == "Your letter is ready, Sam Lee."
    assert "You pay about <strong>951</strong> a month" in screen.subquestion_html
    (document,) = screen.attachments
    assert document.name == "Repair request letter"
    assert [f.format for f in document.files] == ["pdf", "rtf", "html"]
    assert crypto.is_sealed(chambers.files.get(document.files[0].file_id).data)   # as the answers are
    pdf = service.file_for(ref, document.files[0].file_id)
    assert pdf.data.startswith(b"%PDF")
