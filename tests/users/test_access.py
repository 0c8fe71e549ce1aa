"""Only the owner's login or the session's secret opens a session: pages, API, check-in, push stream."""
import pytest
from sqlalchemy import func, select

from chambers.sessions import SessionRef
from chambers.store.files import FileRepository
from chambers.store.models import InterviewSessionRow, SessionStepRow, StoredFileRow
from chambers.store.users import UserRepository

from .conftest import FACT, WEB, answer_page, csrf_of, sign_up


@pytest.fixture
def owned(site):
    """A site where Ann has answered private.yml in her browser; (site, ann's browser, ref)."""
    s = site()
    ann = s.browser()
    sign_up(ann, "ann@example.com")
    answer_page(ann, "private.yml", {"secret_fact": FACT}, page=ann.get("/interview?i=private.yml"))
    return s, ann, s.ref_of(ann, "private.yml")


def test_pages_refuse_another_user_and_an_anonymous_browser(owned):
    s, ann, ref = owned
    bob = s.browser()
    sign_up(bob, "bob@example.com")
    for browser in (bob, s.browser()):
        resumed = browser.get(f"/interviews/resume?session={ref.session_id}")
        assert resumed.status_code == 404 and FACT not in resumed.text
        page = browser.get("/interviews")
        refused = browser.post("/interviews/delete", data={"_csrf": csrf_of(page.text), "session": ref.session_id})
        assert refused.status_code == 404
    assert s.service.sessions.exists(ref.session_id)
    assert f"Saved: {FACT}" in ann.get(f"/interviews/resume?session={ref.session_id}").text


def test_check_in_and_push_stream_refuse_a_browser_without_the_session(owned):
    s, ann, ref = owned
    bob = s.browser()
    page = bob.get("/interviews")
    refused = bob.post("/checkin?i=private.yml", json={}, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert refused.status_code == 404 and FACT not in refused.text
    assert bob.get("/events?i=private.yml").status_code == 404
    mine = ann.get("/interview?i=private.yml")
    accepted = ann.post("/checkin?i=private.yml", json={}, headers={"X-CSRF-Token": csrf_of(mine.text)})
    assert accepted.status_code == 200


def test_the_api_needs_the_secret_or_the_owners_key(site):
    s = site()
    users = UserRepository(s.chambers.db)
    accounts = s.app.state.accounts
    ann = accounts.create("ann@example.com", "long enough")
    bob = accounts.create("bob@example.com", "long enough")
    ann_key = s.chambers.api_keys.create("ann", owner_id=ann.id)
    bob_key = s.chambers.api_keys.create("bob", owner_id=bob.id)
    client = s.browser()
    info = client.get("/api/session/new", params={"key": ann_key, "i": "sharing.yml"}).json()
    assert info["encrypted"] is True
    assert s.session_row(info["session"])["owner_id"] == ann.id
    base = {"i": "sharing.yml", "session": info["session"]}
    for key, secret in ((bob_key, None), (bob_key, "WrongSecretAbcde"), (ann_key, None)):
        params = {"key": key, **base, **({"secret": secret} if secret else {})}
        for path in ("/api/session", "/api/session/question"):
            answer = client.get(path, params=params)
            assert answer.status_code == 400 and answer.json() == "Unable to obtain interview dictionary."
        checkin = client.post("/api/session/checkin", data=params)
        assert checkin.status_code == 400 and FACT not in checkin.text
    # The owner's key opens the owner's session once it is unencrypted (multi_user), without the secret.
    client.post("/api/session", data={"key": ann_key, **base, "secret": info["secret"],
                                      "variables": '{"share": true, "secret_fact": "%s"}' % FACT})
    assert s.session_row(info["session"])["encrypted"] is False
    mine = client.get("/api/session", params={"key": ann_key, **base})
    assert mine.status_code == 200 and mine.json()["secret_fact"] == FACT
    theirs = client.get("/api/session", params={"key": bob_key, **base})
    assert theirs.status_code == 400
    # Bob cannot delete it; Ann can, without the secret.
    client.delete("/api/session", params={"key": bob_key, **base})
    assert s.service.sessions.exists(info["session"])
    client.delete("/api/session", params={"key": ann_key, **base})
    assert not s.service.sessions.exists(info["session"])
    assert users.get(ann.id).email == "ann@example.com"


def test_an_api_key_acts_for_its_owner(site):
    s = site({"who.yml": """
        mandatory: True
        question: |
          ${ user_info().email } ${ user_has_privilege('developer') } ${ user_logged_in() }
        """})
    accounts = s.app.state.accounts
    dev = accounts.create("dev@example.com", "long enough", grants={"developer"})
    key = s.chambers.api_keys.create("dev", owner_id=dev.id)
    client = s.browser()
    info = client.get("/api/session/new", params={"key": key, "i": "who.yml"}).json()
    question = client.get("/api/session/question", params={"key": key, "i": "who.yml", "session": info["session"],
                                                            "secret": info["secret"]}).json()
    assert question["questionText"].strip() == "dev@example.com True True"


def test_delete_all_removes_the_rows_and_the_stored_files(owned):
    s, ann, ref = owned
    answer_page(ann, "sharing.yml", {"share": "True"}, page=ann.get("/interview?i=sharing.yml"))
    second = s.ref_of(ann, "sharing.yml")
    files = FileRepository(s.chambers.db)
    for session_id in (ref.session_id, second.session_id):
        files.add(session_id, "letter.pdf", "application/pdf", b"%PDF- " + FACT.encode())
    other = s.start("private.yml")                       # someone else's session stays
    page = ann.get("/interviews")
    assert page.text.count("Resume") == 2
    done = ann.post("/interviews/delete-all", data={"_csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "All your interviews were deleted" in done.text
    with s.chambers.db.reading() as tx:
        for table, column in ((InterviewSessionRow, InterviewSessionRow.id),
                              (SessionStepRow, SessionStepRow.session_id), (StoredFileRow, StoredFileRow.session_id)):
            left = tx.scalar(select(func.count()).select_from(table).where(
                column.in_([ref.session_id, second.session_id])))
            assert left == 0, table
    assert s.service.sessions.exists(other.session_id)
    assert "You have no saved interviews" in ann.get("/interviews").text


def test_delete_one_from_the_interviews_page(owned):
    s, ann, ref = owned
    page = ann.get("/interviews")
    done = ann.post("/interviews/delete", data={"_csrf": csrf_of(page.text), "session": ref.session_id})
    assert done.status_code == 200 and not s.service.sessions.exists(ref.session_id)


def test_an_anonymous_browser_lists_and_deletes_its_own_sessions(site):
    s = site()
    browser = s.browser()
    browser.get("/interview?i=private.yml")
    ref = s.ref_of(browser, "private.yml")
    page = browser.get("/interviews")
    assert ref.session_id in page.text
    browser.post("/interviews/delete-all", data={"_csrf": csrf_of(page.text)})
    assert not s.service.sessions.exists(ref.session_id)


def test_an_owner_without_the_key_cannot_open_an_encrypted_session(site):
    s = site()
    ann = s.app.state.accounts.create("ann@example.com", "long enough")
    result = s.service.start("private.yml", WEB)
    with s.chambers.db.transaction() as tx:
        tx.execute(InterviewSessionRow.__table__.update().where(InterviewSessionRow.id == result.session_id)
                   .values(owner_id=ann.id))
    from chambers.sessions import AccessDenied
    with pytest.raises(AccessDenied):
        s.service.variables(SessionRef(result.session_id, owner_id=ann.id))
