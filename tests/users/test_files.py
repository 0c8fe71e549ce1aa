"""A session's files (assembled documents) are sealed exactly when its answers are."""
from __future__ import annotations

import re

from sqlalchemy import select

from chambers.sessions import crypto
from chambers.store.models import StoredFileRow

from .conftest import FACT, PRIVATE, SHARE_THEN_FACT, answer_page, csrf_of, log_in, sign_up

LETTER = """
metadata:
  title: Letter
---""" + SHARE_THEN_FACT + """---
mandatory: True
question: Your letter
attachment:
  name: Letter
  filename: letter
  valid formats:
    - html
  content: |
    The fact is ${ secret_fact }.
"""


def stored_files(site, session_id: str) -> list[bytes]:
    with site.chambers.db.reading() as session:
        return [bytes(d) for d in session.scalars(select(StoredFileRow.data)
                                                   .where(StoredFileRow.session_id == session_id))]


def letter_page(site, browser, share: str):
    page = browser.get("/interview?i=letter.yml")
    page = answer_page(browser, "letter.yml", {"share": share}, page)
    return answer_page(browser, "letter.yml", {"secret_fact": FACT}, page)


def test_an_encrypted_sessions_document_is_sealed_and_downloads_in_clear_for_its_holder(site):
    s = site({"letter.yml": LETTER, "private.yml": PRIVATE})
    browser = s.browser()
    page = letter_page(s, browser, "False")
    link = re.search(r'href="(/files/\d+/letter\.html)"', page.text).group(1)
    ref = s.ref_of(browser, "letter.yml")
    [data] = stored_files(s, ref.session_id)
    assert crypto.is_sealed(data) and FACT.encode() not in data
    download = browser.get(link)
    assert download.status_code == 200 and FACT in download.text
    stranger = s.browser()
    stranger.get("/interview?i=private.yml")                  # a session of its own, not this one
    assert stranger.get(link).status_code == 404


def test_a_multi_user_sessions_document_is_stored_in_clear(site):
    s = site({"letter.yml": LETTER})
    browser = s.browser()
    letter_page(s, browser, "True")
    [data] = stored_files(s, s.ref_of(browser, "letter.yml").session_id)
    assert not crypto.is_sealed(data) and FACT.encode() in data


def test_a_password_change_re_keys_the_users_documents(site):
    s = site({"letter.yml": LETTER})
    browser = s.browser()
    sign_up(browser, "dana@example.com")
    page = letter_page(s, browser, "False")
    link = re.search(r'href="(/files/\d+/letter\.html)"', page.text).group(1)
    ref = s.ref_of(browser, "letter.yml")
    [before] = stored_files(s, ref.session_id)
    form = browser.get("/account/password")
    changed = browser.post("/account/password", data={"_csrf": csrf_of(form.text), "password": "correct horse",
                                                      "new_password": "battery staple",
                                                      "new_password2": "battery staple"})
    assert changed.status_code == 200
    again = s.browser()
    log_in(again, "dana@example.com", "battery staple")
    [after] = stored_files(s, ref.session_id)
    assert after != before and crypto.is_sealed(after) and FACT.encode() not in after
    resumed = again.get(f"/interviews/resume?session={ref.session_id}")
    assert "Your letter" in resumed.text
    download = again.get(link)
    assert download.status_code == 200 and FACT in download.text


def test_an_api_client_downloads_its_sessions_document_and_nobody_elses(site):
    s = site({"letter.yml": LETTER, "private.yml": PRIVATE})
    client = s.browser()
    key = s.chambers.api_keys.create("files")
    new = client.get("/api/session/new", params={"key": key, "i": "letter.yml"}).json()
    ref = {"key": key, "i": "letter.yml", "session": new["session"], "secret": new["secret"]}
    client.post("/api/session", json={**ref, "variables": {"share": False}})
    screen = client.post("/api/session", json={**ref, "variables": {"secret_fact": FACT}}).json()
    [attachment] = screen["attachments"]
    number = attachment["number"]["html"]
    download = client.get(f"/api/file/{number}", params=ref)
    assert download.status_code == 200 and FACT in download.text
    assert "letter.html" in download.headers["content-disposition"]
    other = client.get("/api/session/new", params={"key": key, "i": "private.yml"}).json()
    for wrong in ({**ref, "secret": "x" * 16}, {**ref, "secret": ""},
                  {**ref, "i": "private.yml", "session": other["session"], "secret": other["secret"]}):
        refused = client.get(f"/api/file/{number}", params=wrong)
        assert refused.status_code == 404 and refused.json() == "File not found."
    assert client.get("/api/file/abc", params=ref).status_code == 404
    assert client.get(f"/api/file/{number}", params={**ref, "key": "wrong"}).status_code == 403
