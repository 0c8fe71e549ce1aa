"""interview_email() and get_emails(), in one process."""
import pickle
import re

import pytest

from chambers.interview.context import Identity, Run, activate
from chambers.interview.namespace import namespace_for, new_answers
from chambers.mail.emails import DAEmail, DAEmailBody, DAEmailRecipient
from chambers.sessions.run_services import RunServices

from .conftest import BROWSER, DOMAIN, message

OTHER_BROWSER = Identity(session_uid="browser-2")
SIGNED_IN = Identity(user_id=42, email="owner@example.com", logged_in=True, session_uid="browser-3")


def _run(world, ref, identity=BROWSER) -> Run:
    interview = world.chambers.library.get("mail_private.yml")
    run = Run(interview=interview, session_id=ref.session_id, ns=namespace_for(new_answers(), interview),
              services=None, identity=identity)
    run.services = RunServices(world.service, run)
    return run


def _call(run, name, *args, **kwargs):
    with activate(run):
        return run.ns[name](*args, **kwargs)


def test_same_address_on_every_call_and_a_new_one_per_key_index_and_user(world):
    ref, shown = world.start("mail_private.yml")
    run = _run(world, ref)
    first = _call(run, "interview_email")
    assert first == shown and re.fullmatch(rf"[a-z]{{6}}@{re.escape(DOMAIN)}", first)
    assert _call(run, "interview_email") == first
    assert _call(_run(world, ref), "interview_email") == first           # another run, same user
    keyed = _call(run, "interview_email", "billing")
    indexed = _call(run, "interview_email", "billing", 2)
    assert len({first, keyed, indexed, _call(run, "interview_email", "billing", 3)}) == 4
    assert _call(run, "interview_email", "billing", 2) == indexed
    assert _call(_run(world, ref, OTHER_BROWSER), "interview_email") != first
    assert _call(_run(world, ref, SIGNED_IN), "interview_email") not in (first, keyed)
    with pytest.raises(ValueError, match="index needs a key"):
        _call(run, "interview_email", None, 1)
    with pytest.raises(ValueError):
        _call(run, "get_emails", None, 1)


def test_addresses_differ_between_sessions(world):
    _, one = world.start("mail_private.yml")
    _, two = world.start("mail_private.yml")
    assert one != two


def test_get_emails_lists_each_address_with_its_mail_in_order(world):
    ref, address = world.start("mail_private.yml")
    run = _run(world, ref)
    billing = _call(run, "interview_email", "billing", 2)
    assert [(i.address, i.key, i.index, i.emails) for i in _call(run, "get_emails")] == [
        (address.split("@")[0], None, None, []), (billing.split("@")[0], "billing", 2, [])]
    assert world.deliver(message(address, subject="one"), address).startswith("250")
    assert world.deliver(message(address, subject="two", html="<b>2</b>"), address).startswith("250")
    assert world.deliver(message(billing, subject="bill"), billing).startswith("250")
    items = _call(run, "get_emails")
    assert [[e.subject for e in item.emails] for item in items] == [["one", "two"], ["bill"]]
    assert [i.address for i in _call(run, "get_emails", "billing")] == [billing.split("@")[0]]
    assert _call(run, "get_emails", "billing", 3) == []
    assert _call(_run(world, ref, OTHER_BROWSER), "get_emails") == []   # addresses are per user
    assert items[0].owner is None


def test_a_daemail_has_docassemble_attributes_and_pickles(world):
    ref, address = world.start("mail_private.yml")
    mail = message(address, subject="Ünïcode", text="plain body", html="<p>html</p>",
                   attachment=("data.bin", b"\x00\x01"), cc="Cy <cy@example.com>")
    assert world.deliver(mail, address, sender="bounce@example.com").startswith("250")
    run = _run(world, ref)
    email = _call(run, "get_emails")[0].emails[0]
    email = pickle.loads(pickle.dumps(email))
    assert isinstance(email, DAEmail) and str(email) == "This is an e-mail"
    assert email.subject == "Ünïcode"
    assert [r.address for r in email.to_address] == [address]
    assert str(email.to_address) == f"[{address}](mailto:{address})"
    assert email.cc_address[0].name == "Cy"
    assert isinstance(email.from_address, DAEmailRecipient)
    assert (email.from_address.name, email.from_address.address) == ("Ann Smith", "ann@example.com")
    assert str(email.reply_to) == "" and not email.reply_to
    assert email.return_path.address == "bounce@example.com"
    assert email.datetime_message is not None and email.datetime_received is not None
    with activate(run):
        assert isinstance(email.body_text, DAEmailBody)
        assert str(email.body_text).strip() == "plain body"
        assert email.body_html.slurp().strip() == "<p>html</p>"
        assert [a.filename for a in email.attachment] == ["data.bin"]
        assert email.attachment[0].url_for().endswith("/data.bin")
        assert '"Subject"' in email.headers.slurp()
    assert email.short == address.split("@")[0] and email.key is None and email.address_owner is None


def test_interview_email_of_a_session_being_started(world):
    """The first screen may show the address before the session row exists."""
    result = world.service.start("mail_log.yml", BROWSER)
    assert re.search(r"[a-z]{6}@" + re.escape(DOMAIN), result.outcome.subquestion)
