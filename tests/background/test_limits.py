"""``time limit`` and ``retries`` on event blocks, and actions whose worker dies every time.

The embedded server runs with CHAMBERS_TASK_ATTEMPTS=2, CHAMBERS_TASK_STALE_SECONDS=2 and a
1-second grace after a time limit (conftest.QUICK_RECOVERY)."""
from __future__ import annotations

import pytest

from chambers.interview.errors import InterviewSourceError
from chambers.interview.loader import load_file

from .api import fields_of


def run(api, gate, kind: str, *, timeout: float = 30.0) -> dict[str, str]:
    session = api.start("limits.yml")
    session.answer(gate=str(gate), kind=kind)
    return fields_of(session.wait_for("Done", timeout=timeout))


def test_an_action_past_its_time_limit_fails_and_its_error_action_runs(embedded_api, gate):
    done = run(embedded_api, gate, "sleepy")
    assert done["state"] == "failed" and done["error"] == "TimeLimitExceeded"
    assert done["value"] == "handled TimeLimitExceeded"
    assert done["errors_seen"] == "['TimeLimitExceeded None']"


def test_an_action_that_ignores_its_time_limit_is_stopped(embedded_api, gate):
    done = run(embedded_api, gate, "stubborn")        # swallows the soft limit; killed 1 s later
    assert done["state"] == "failed" and done["error"] == "TimeLimitExceeded"
    assert done["errors_seen"] == "['TimeLimitExceeded None']"


def test_retries_run_a_failing_action_again(embedded_api, gate):
    done = run(embedded_api, gate, "flaky")            # fails twice, then succeeds (retries: 2)
    assert done["state"] == "succeeded" and done["value"] == "ok after 3 runs"
    assert done["errors_seen"] == "[]"                  # the error action waits for the last attempt
    assert (gate / "flaky-runs").read_text() == "xxx"


def test_the_error_action_runs_once_after_the_last_retry(embedded_api, gate):
    done = run(embedded_api, gate, "broken")           # retries: 1
    assert done["state"] == "failed" and done["error"] == "RuntimeError"
    assert done["errors_seen"] == "['RuntimeError None']"
    assert (gate / "broken-runs").read_text() == "xx"


def test_an_action_that_kills_its_worker_ends_lost_with_its_error_action(embedded_api, gate):
    done = run(embedded_api, gate, "doomed", timeout=60)
    assert done["state"] == "lost" and done["error"] == "WorkerLost"
    assert done["errors_seen"] == "['WorkerLost from doomed']"
    assert (gate / "doomed-runs").read_text() == "xx"  # CHAMBERS_TASK_ATTEMPTS=2


def test_time_limit_and_retries_are_read_from_event_blocks(tmp_path):
    path = tmp_path / "options.yml"
    path.write_text("event: work\ntime limit: 2.5\nretries: 3\ncode: |\n  background_response(1)\n")
    [block] = load_file(path).blocks
    assert (block.time_limit, block.retries) == (2.5, 3)


@pytest.mark.parametrize(("source", "complaint"), [
    ("code: |\n  x = 1\ntime limit: 5\n", "use it on an 'event' code block"),
    ("event: work\ntime limit: soon\ncode: |\n  x = 1\n", "'time limit' must be a number of seconds"),
    ("event: work\nretries: -1\ncode: |\n  x = 1\n", "'retries' must be a whole number"),
    ("event: work\nretries: 1.5\ncode: |\n  x = 1\n", "'retries' must be a whole number"),
])
def test_bad_options_are_reported_with_their_line(tmp_path, source, complaint):
    path = tmp_path / "bad.yml"
    path.write_text(source)
    with pytest.raises(InterviewSourceError, match=complaint) as caught:
        load_file(path)
    assert "bad.yml" in str(caught.value)
