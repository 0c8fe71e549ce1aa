import textwrap

import pytest

from chambers.interview.context import Identity, Run
from chambers.interview.engine import assemble
from chambers.interview.loader import load_text
from chambers.interview.namespace import answers_of, namespace_for, new_answers
from chambers.interview.services import Services


class Session:
    """An interview and its answers, run again and again the way requests do."""

    def __init__(self, source: str):
        self.interview = load_text(textwrap.dedent(source).lstrip("\n"), path="test.yml", name="test.yml")
        self.answers = new_answers()

    def run(self, *, action=None, arguments=None, checkin=False, set=None, interface="web"):
        ns = namespace_for(self.answers, self.interview)
        run = Run(interview=self.interview, session_id="s" * 32, ns=ns, services=Services(),
                  identity=Identity(session_uid="browser"), interface=interface, action=action,
                  arguments=dict(arguments or {}), checkin=checkin)
        for name, value in (set or {}).items():
            ns[name] = value
        outcome = assemble(run)
        self.answers = answers_of(run.ns)
        self.last_run = run
        return outcome


@pytest.fixture
def interview():
    return Session
