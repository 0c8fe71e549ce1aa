"""The seed's multi-user screening example: the cron user must reach process_action()."""
import pytest

from .conftest import OWNER, WEB


def _set_up(w, name):
    ref = w.start(name, OWNER)
    assert w.service.view(ref, OWNER).screen.question == "The checks will run every day."
    return ref


def test_screening_before_process_action_turns_the_cron_user_away(world):
    w = world()
    ref = _set_up(w, "screening_blocked.yml")
    report = w.cron()
    assert report.counts == {"ran": 1}            # it ran, but only as far as the screening question
    assert "daily_checks" not in w.answers(ref)


@pytest.mark.parametrize("name", ["screening_action_first.yml", "screening_cron_privilege.yml"])
def test_the_cron_user_gets_through(world, name):
    w = world()
    ref = _set_up(w, name)
    w.cron()
    assert w.answers(ref)["daily_checks"] == 1
    w.cron(period="next")
    assert w.answers(ref)["daily_checks"] == 2


def test_the_privilege_check_still_screens_other_users(world):
    w = world()
    ref = _set_up(w, "screening_cron_privilege.yml")
    guest = w.service.view(ref.__class__(ref.session_id, ref.secret), WEB)
    assert guest.screen.question == "This interview is not open to you yet."
