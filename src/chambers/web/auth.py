"""Accounts in the browser: log in, sign up, log out, change the password, and the Interviews page.

Every form carries the browser's CSRF token.  Logging in takes along the sessions this browser
began anonymously (they become the user's, under the user's key).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..sessions.service import AccessDenied, SessionRef
from ..users.accounts import AccountError, Accounts, LoggedIn, identity_for
from ..users.rekey import adopt
from .failures import BadRequest, describe
from .pages import CSRF_MESSAGE, Page

log = logging.getLogger(__name__)
router = APIRouter()


def _accounts(page: Page) -> Accounts:
    return page.request.app.state.accounts


def _next_url(raw: object) -> str:
    """Only a path on this site (no ``//host`` or ``scheme:``)."""
    if isinstance(raw, str) and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/interviews"


async def _form(page: Page) -> dict[str, str]:
    form = await page.request.form()
    if not page.browser.csrf_matches(form.get("_csrf")):
        raise BadRequest(CSRF_MESSAGE, 403)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _form_post(path: str):
    """Register ``handler(page, form)`` as the POST route ``path``: the form arrives with its CSRF
    token checked; a form without it (or unreadable) is refused before the handler runs."""
    def register(handler: Callable[[Page, dict[str, str]], Awaitable[Response]]):
        async def endpoint(request: Request) -> Response:
            page = Page(request)
            try:
                form = await _form(page)
            except BadRequest as exc:
                return _refused(page, exc)
            return await handler(page, form)
        endpoint.__name__ = handler.__name__
        router.post(path)(endpoint)
        return handler
    return register


def _refused(page: Page, exc: BaseException) -> Response:
    failure = describe(exc)
    return page.render("error.html", {"failure": failure, "interview_name": None}, status=failure.status)


def _logged_in(page: Page, done: LoggedIn) -> None:
    """Remember the login in the cookie; take this browser's anonymous sessions along."""
    service = page.service
    for name, (session_id, secret) in list(page.browser.sessions.items()):
        if secret and adopt(service, session_id, secret, done.user.id, done.secret):
            page.browser.sessions[name] = [session_id, ""]
    page.browser.log_in(done.user, done.secret, page.web.cookies.logins.pack(done.user, done.secret))


# Log in, sign up, log out -------------------------------------------------------------------------
@router.get("/login")
async def login_form(request: Request):
    page = Page(request)
    return page.render("login.html", {"next": _next_url(request.query_params.get("next")), "problem": None})


@_form_post("/login")
async def login(page: Page, form: dict[str, str]) -> Response:
    target = _next_url(form.get("next"))
    try:
        done = await run_in_threadpool(_accounts(page).log_in, form.get("email", ""), form.get("password", ""))
    except AccountError as exc:
        return page.render("login.html", {"next": target, "problem": str(exc), "email": form.get("email", "")},
                           status=401)
    await run_in_threadpool(_logged_in, page, done)
    return page.redirect(target)


@router.get("/signup")
async def signup_form(request: Request):
    page = Page(request)
    return page.render("signup.html", {"problem": None, "values": {}})


@_form_post("/signup")
async def signup(page: Page, form: dict[str, str]) -> Response:
    values = {k: form.get(k, "") for k in ("email", "first_name", "last_name")}
    try:
        if form.get("password", "") != form.get("password2", ""):
            raise AccountError("The two passwords are not the same.")
        done = await run_in_threadpool(lambda: _accounts(page).sign_up(
            values["email"], form.get("password", ""), first_name=values["first_name"],
            last_name=values["last_name"]))
    except AccountError as exc:
        return page.render("signup.html", {"problem": str(exc), "values": values}, status=400)
    await run_in_threadpool(_logged_in, page, done)
    return page.redirect("/interviews")


@_form_post("/logout")
async def logout(page: Page, form: dict[str, str]) -> Response:
    page.browser.log_out()
    return page.redirect("/")


# The password ----------------------------------------------------------------------------------------
@router.get("/account/password")
async def password_form(request: Request):
    page = Page(request)
    if page.browser.user is None:
        return page.redirect("/login?next=/account/password")
    return page.render("password.html", {"problem": None, "done": False})


@_form_post("/account/password")
async def change_password(page: Page, form: dict[str, str]) -> Response:
    if page.browser.user is None:
        return page.redirect("/login?next=/account/password")
    try:
        if form.get("new_password", "") != form.get("new_password2", ""):
            raise AccountError("The two new passwords are not the same.")
        done = await run_in_threadpool(_accounts(page).change_password, page.browser.user.id,
                                       form.get("password", ""), form.get("new_password", ""))
    except AccountError as exc:
        return page.render("password.html", {"problem": str(exc), "done": False}, status=400)
    page.browser.log_in(done.user, done.secret, page.web.cookies.logins.pack(done.user, done.secret))
    return page.render("password.html", {"problem": None, "done": True})


# The Interviews page -------------------------------------------------------------------------------------
@dataclass
class Listed:
    id: str
    interview: str
    title: str
    modified_at: datetime
    steps: int
    encrypted: bool


def _listing(page: Page) -> list[Listed]:
    """The user's own sessions, and those this browser holds (anonymous ones)."""
    service, library = page.service, page.chambers.library
    records = {r.id: r for r in service.list_sessions(page.browser.user.id)} if page.browser.user else {}
    for name in list(page.browser.sessions):
        ref = page.browser.ref_for(name)
        if ref is None or ref.session_id in records:
            continue
        try:
            records[ref.session_id] = service.record_for(ref)
        except AccessDenied:
            page.browser.forget(name)
    listed = []
    for record in sorted(records.values(), key=lambda r: r.modified_at, reverse=True):
        try:
            title = library.get(record.interview).title
        except Exception:  # noqa: BLE001 - a broken or removed file is still listed, to delete
            title = record.interview
        listed.append(Listed(record.id, record.interview, title, record.modified_at, record.steps, record.encrypted))
    return listed


@router.get("/interviews")
async def interviews(request: Request):
    page = Page(request)
    sessions = await run_in_threadpool(_listing, page)
    return page.render("interviews.html", {"sessions": sessions, "notice": request.query_params.get("notice")})


def _own_ref(page: Page, session_id: str) -> SessionRef | None:
    """How this browser may open ``session_id``: a session it holds, or one its user owns."""
    for name in page.browser.sessions:
        ref = page.browser.ref_for(name)
        if ref is not None and ref.session_id == session_id:
            return ref
    if page.browser.user is not None:
        return SessionRef(session_id, page.browser.user_secret, owner_id=page.browser.user.id)
    return None


def _not_found(page: Page) -> Response:
    return _refused(page, BadRequest("There is no such session, or you may not open it.", 404))


@router.get("/interviews/resume")
async def resume(request: Request):
    page = Page(request)
    session_id = request.query_params.get("session", "")
    ref = _own_ref(page, session_id) if session_id else None
    if ref is None:
        return _not_found(page)
    try:
        record = await run_in_threadpool(page.service.record_for, ref)
    except AccessDenied:
        return _not_found(page)
    page.browser.remember(record.interview, record.id, ref.secret or "")
    return page.redirect(page.interview_url(record.interview))


@_form_post("/interviews/delete")
async def delete_one(page: Page, form: dict[str, str]) -> Response:
    session_id = form.get("session", "")
    ref = _own_ref(page, session_id) if session_id else None

    deleted = ref is not None and await run_in_threadpool(page.service.delete_for, ref, page.browser.identity())
    if not deleted:
        return _not_found(page)
    for name, pair in list(page.browser.sessions.items()):
        if pair[0] == session_id:
            page.browser.forget(name)
    return page.redirect("/interviews?notice=deleted")


@_form_post("/interviews/delete-all")
async def delete_all(page: Page, form: dict[str, str]) -> Response:
    held = [pair[0] for pair in page.browser.sessions.values()]
    count = await run_in_threadpool(page.service.delete_all, page.browser.user_id, held)
    page.browser.sessions = {}
    log.info("%s deleted all of their %d interview session(s)",
             f"user {page.browser.user_id}" if page.browser.user is not None else "an anonymous browser", count)
    return page.redirect("/interviews?notice=all-deleted")


# The JSON API acts for an API key's owner ----------------------------------------------------------------
def api_owner_identity(request: Request, identity):
    """The identity of an owned API key: its owner's account (e-mail, names, privileges)."""
    accounts = getattr(request.app.state, "accounts", None)
    if accounts is None or identity.user_id is None:
        return identity
    user = accounts.user(identity.user_id)
    if user is None or not user.active:
        return identity
    return identity_for(user, identity.session_uid)
