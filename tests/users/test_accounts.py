"""Sign up, log in, log out, change the password (re-keying), the cron user, the CLI."""
import pytest

from chambers.cli import main
from chambers.sessions import crypto
from chambers.store.users import UserRepository
from chambers.users.accounts import AccountError
from chambers.web.cookies import COOKIE_NAME, BrowserState

from .conftest import FACT, answer_page, csrf_of, log_in, sign_up


def test_sign_up_log_out_and_log_in(site):
    s = site()
    browser = s.browser()
    page = sign_up(browser, "Ann@Example.com", first_name="Ann")
    assert page.status_code == 200 and "My interviews" in page.text and "ann@example.com" in page.text
    page = browser.post("/logout", data={"_csrf": csrf_of(page.text)})
    assert "Log in" in page.text and "ann@example.com" not in page.text
    assert log_in(browser, "ann@example.com", "wrong password").status_code == 401
    page = log_in(browser, "ANN@example.com")
    assert page.status_code == 200 and "ann@example.com" in page.text


def test_forms_need_the_csrf_token(site):
    s = site()
    browser = s.browser()
    browser.get("/login")
    assert browser.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 403
    assert browser.post("/interviews/delete-all", data={"_csrf": "forged"}).status_code == 403


def test_duplicate_and_weak_sign_ups_are_refused(site):
    s = site()
    assert sign_up(s.browser(), "bob@example.com").status_code == 200
    again = sign_up(s.browser(), "BOB@example.com")
    assert again.status_code == 400 and "already an account" in again.text
    weak = sign_up(s.browser(), "carl@example.com", password="short")
    assert weak.status_code == 400 and "at least 8" in weak.text


def test_the_cron_user_exists_and_cannot_log_in(site):
    s = site()
    cron = UserRepository(s.chambers.db).by_email("cron@admin.com")
    assert cron is not None and cron.privileges == {"cron"} and not cron.can_log_in
    with pytest.raises(AccountError):
        s.app.state.accounts.log_in("cron@admin.com", "")
    with pytest.raises(AccountError):
        s.app.state.accounts.create("x@example.com", "long enough", grants={"cron"})


def test_a_logged_in_users_session_is_theirs_and_keyed_by_their_password(site):
    s = site()
    browser = s.browser()
    sign_up(browser, "dee@example.com")
    answer_page(browser, "private.yml", {"secret_fact": FACT}, page=browser.get("/interview?i=private.yml&new=1"))
    ref = s.ref_of(browser, "private.yml")
    user = UserRepository(s.chambers.db).by_email("dee@example.com")
    row = s.session_row(ref.session_id)
    assert row["owner_id"] == user.id and row["encrypted"] is True
    assert all(FACT.encode() not in d for d in s.steps_data(ref.session_id))
    # The cookie remembers the session without its secret: the login's key opens it.
    request = type("R", (), {"cookies": {COOKIE_NAME: browser.cookies.get(COOKIE_NAME)}})()
    assert BrowserState.load(request, s.app.state.web.cookies).sessions["private.yml"] == [ref.session_id, ""]
    listing = browser.get("/interviews")
    assert "Private notes" in listing.text and ref.session_id in listing.text
    other = s.browser()
    sign_up(other, "eve@example.com")
    assert ref.session_id not in other.get("/interviews").text


def test_logging_in_takes_the_browsers_anonymous_session_along(site):
    s = site()
    sign_up(s.browser(), "fay@example.com")
    browser = s.browser()
    answer_page(browser, "private.yml", {"secret_fact": FACT}, page=browser.get("/interview?i=private.yml"))
    anonymous = s.ref_of(browser, "private.yml")
    log_in(browser, "fay@example.com")
    page = browser.get("/interview?i=private.yml")
    assert f"Saved: {FACT}" in page.text
    with pytest.raises(Exception):
        s.service.variables(anonymous)                 # the anonymous secret no longer opens it
    assert anonymous.session_id in browser.get("/interviews").text


def test_changing_the_password_re_keys_the_users_sessions(site):
    s = site()
    browser = s.browser()
    sign_up(browser, "gus@example.com")
    answer_page(browser, "private.yml", {"secret_fact": FACT}, page=browser.get("/interview?i=private.yml"))
    ref = s.ref_of(browser, "private.yml")
    before = s.steps_data(ref.session_id)
    elsewhere = s.browser()
    log_in(elsewhere, "gus@example.com")
    form = browser.get("/account/password")
    done = browser.post("/account/password", data={"_csrf": csrf_of(form.text), "password": "correct horse",
                                                   "new_password": "battery staple", "new_password2": "battery staple"})
    assert done.status_code == 200 and "was changed" in done.text
    after = s.steps_data(ref.session_id)
    assert len(after) == len(before) and all(a != b for a, b in zip(after, before))
    assert all(crypto.is_sealed(d) for d in after)
    assert f"Saved: {FACT}" in browser.get("/interview?i=private.yml").text
    assert "gus@example.com" not in elsewhere.get("/interviews").text      # the old login has ended
    assert log_in(s.browser(), "gus@example.com").status_code == 401
    again = s.browser()
    log_in(again, "gus@example.com", "battery staple")
    resumed = again.get(f"/interviews/resume?session={ref.session_id}")
    assert f"Saved: {FACT}" in resumed.text


def test_a_wrong_current_password_changes_nothing(site):
    s = site()
    browser = s.browser()
    sign_up(browser, "hal@example.com")
    form = browser.get("/account/password")
    refused = browser.post("/account/password", data={"_csrf": csrf_of(form.text), "password": "nope nope",
                                                      "new_password": "battery staple",
                                                      "new_password2": "battery staple"})
    assert refused.status_code == 400
    assert log_in(s.browser(), "hal@example.com").status_code == 200


def test_cli_creates_an_admin_and_a_key_that_acts_for_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("long enough pw\n"))
    data = str(tmp_path / "data")
    assert main(["user", "create", "root@example.com", "--privilege", "admin", "--password-stdin",
                 "--data", data]) == 0
    assert "admin" in capsys.readouterr().out
    assert main(["user", "apikey", "root@example.com", "--data", data]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) == 32
    assert main(["user", "list", "--data", data]) == 0
    listing = capsys.readouterr().out
    assert "root@example.com\tadmin\tcan log in" in listing and "cron@admin.com\tcron\tcannot log in" in listing
