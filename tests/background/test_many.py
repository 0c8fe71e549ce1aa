"""Many background actions started at once all finish, with the right results and no lost write."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .api import fields_of


def test_a_hundred_actions_from_one_answer_all_finish_and_all_callbacks_save(api):
    session = api.start("many.yml")
    assert session.answer(count=100)["questionText"] == "Waiting"
    results = fields_of(session.wait_for("Results", timeout=120, every=0.25))
    # Every value is right, and each of the 100 callbacks' writes to the one session is there.
    assert results == {"values": "True", "recorded": "100", "correct": "True", "failed": "0"}


def test_a_hundred_sessions_submitting_at_once_all_get_their_answer(api):
    def one(number: int) -> str:
        session = api.start("background_action.yml")
        session.answer(value_to_add=number)
        return session.wait_for("The answer is", timeout=120, every=0.1)["questionText"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(one, range(100)))
    assert answers == [f"The answer is {553 + number}." for number in range(100)]
