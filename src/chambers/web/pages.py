"""The server-rendered pages: the list of interviews, the question page, files, leaving."""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..interview.outcomes import Command
from ..interview.outcomes import Response as RawResponse
from ..interview.screen import Screen
from ..interview.targets import is_target
from ..sessions.service import (AccessDenied, CannotGoBackError, InvalidInput, RunResult, SessionRef,
                                StaleScreen)
from ..store.errors import UnknownFile
from .cookies import BrowserState
from .failures import HANDLED, BadRequest, describe
from .field_views import field_views

log = logging.getLogger(__name__)
router = APIRouter()

CONTROL_FIELDS = {"_csrf", "_question_name", "_button", "_back"}
START_PARAMETERS = {"i", "new", "action", "arguments"}
LEAVING = {"exit", "leave", "logout", "exit_logout", "signin", "register"}
AGAIN = {"restart", "refresh", "continue"}
CSRF_MESSAGE = ("This form was not accepted: it did not carry this browser's security token. "
                "This happens when cookies are blocked or the page is very old. Reload the page and try again.")


class Page:
    """One request's browser state and the helpers every page route uses."""

    def __init__(self, request: Request):
        self.request = request
        self.web = request.app.state.web
        self.chambers = request.app.state.chambers
        self.browser = BrowserState.load(request, self.web.cookies)

    @property
    def service(self):
        return self.chambers.service

    def finish(self, response: Response) -> Response:
        self.browser.store(response, self.request, self.web.cookies)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> Response:
        context = {"csrf_token": self.browser.csrf, "viewer": self.browser.user, **context}
        return self.finish(self.web.templates.TemplateResponse(self.request, template, context,
                                                               status_code=status))

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def interview_url(self, name: str, **extra: str) -> str:
        root = self.request.scope.get("root_path", "")
        return f"{root}/interview?{urlencode({'i': name, **extra})}"

    def failure(self, exc: BaseException, name: str | None = None) -> Response:
        failure = describe(exc)
        if failure.status >= 500 and not isinstance(exc, HANDLED):
            log.error("page request failed", exc_info=exc)
        elif failure.status >= 500:
            log.warning("interview %s failed: %s", name, exc)
        return self.render("error.html", {"failure": failure, "interview_name": name,
                                          "restart_url": self.interview_url(name, new="1") if name else None},
                           status=failure.status)


# The list ---------------------------------------------------------------------------------------------
@router.get("/")
async def index(request: Request):
    page = Page(request)
    library = page.chambers.library

    def listing() -> list[dict[str, Any]]:
        entries = []
        for name in library.names():
            entry = {"name": name, "title": name, "error": None, "url": page.interview_url(name, new="1")}
            try:
                entry["title"] = library.get(name).title
            except Exception as exc:  # noqa: BLE001 - a broken file is listed with its error, not hidden
                entry["error"] = str(exc)
            entries.append(entry)
        return entries

    return page.render("index.html", {"interviews": await run_in_threadpool(listing)})


# The question page -------------------------------------------------------------------------------------
@router.get("/interview")
async def show_interview(request: Request):
    page = Page(request)
    name = request.query_params.get("i")
    try:
        if not name:
            raise BadRequest("Which interview? The address needs ?i= and the interview's name.")
        if request.query_params.get("new") or page.browser.ref_for(name) is None:
            return await _start(page, name)
        ref = page.browser.ref_for(name)
        action = request.query_params.get("action")
        if action:
            return await _act(page, name, ref, action)
        try:
            result = await run_in_threadpool(page.service.view, ref, page.browser.identity())
        except AccessDenied:
            page.browser.forget(name)        # the session is gone (finished, deleted): begin again
            return await _start(page, name)
        return _show(page, name, result)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a readable page
        return page.failure(exc, name)


async def _start(page: Page, name: str) -> Response:
    url_args = {k: v for k, v in page.request.query_params.items() if k not in START_PARAMETERS}
    result = await run_in_threadpool(lambda: page.service.start(name, page.browser.identity(), url_args=url_args,
                                                                secret=page.browser.user_secret))
    page.browser.remember(name, result.session_id, result.secret)
    return page.redirect(page.interview_url(name))


async def _act(page: Page, name: str, ref: SessionRef, action: str) -> Response:
    if not is_target(action):
        raise BadRequest(f"The link names an action {action!r} that is not a valid name.")
    raw = page.request.query_params.get("arguments") or "{}"
    try:
        arguments = json.loads(raw)
    except ValueError:
        raise BadRequest("The link's action arguments are not valid JSON.") from None
    if not isinstance(arguments, dict):
        raise BadRequest("The link's action arguments must be a JSON object.")
    try:
        result = await run_in_threadpool(lambda: page.service.run_action(ref, page.browser.identity(), action,
                                                                         arguments, persistent=True))
    except AccessDenied:
        page.browser.forget(name)
        return await _start(page, name)
    if isinstance(result.outcome, (RawResponse, Command)):
        return _show(page, name, result)
    return page.redirect(page.interview_url(name))


def _show(page: Page, name: str, result: RunResult, *, problems: dict[str, str] | None = None,
          typed: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
          posted: bool = False) -> Response:
    outcome = result.outcome
    if isinstance(outcome, Screen):
        return _question_page(page, name, result, outcome, problems=problems, typed=typed, notice=notice,
                              status=status, posted=posted)
    if isinstance(outcome, RawResponse):
        body = outcome.body if isinstance(outcome.body, bytes) else str(outcome.body).encode("utf-8")
        return page.finish(Response(body, status_code=outcome.status,
                                    headers={"Content-Type": outcome.content_type}))
    if isinstance(outcome, Command):
        return _command(page, name, result, outcome)
    raise BadRequest(f"The interview ended its run with {type(outcome).__name__}, which a page cannot show.", 500)


def _command(page: Page, name: str, result: RunResult, command: Command) -> Response:
    if command.name in {"exit", "exit_logout"} or result.deleted:
        page.browser.forget(name)
    if command.name in {"logout", "exit_logout"}:
        page.browser.log_out()
    if command.name in {"signin", "register"} and not command.url:
        return page.redirect("/login?next=" + quote(page.interview_url(name)) if command.name == "signin"
                             else "/signup")
    if command.name in LEAVING:
        return page.redirect(command.url or "/exited")
    if command.name == "new_session":
        return page.redirect(page.interview_url(name, new="1"))
    if command.name == "wait":
        seconds = max(1.0, float(command.sleep or 1))
        return page.render("wait.html", {"seconds": seconds, "url": page.interview_url(name),
                                         "title": result.interview.title})
    if command.name in AGAIN:
        return page.redirect(page.interview_url(name))
    return page.redirect(command.url or page.interview_url(name))


def _question_page(page: Page, name: str, result: RunResult, screen: Screen, *, problems, typed, notice,
                   status: int, posted: bool = False) -> Response:
    settings = page.chambers.settings
    interview = result.interview
    context = {
        "interview": interview,
        "interview_name": name,
        "screen": screen,
        "fields": field_views(screen.fields, typed=typed, problems=problems),
        "problems": problems or {},
        "typed": typed or {},
        "notice": notice,
        "steps": result.steps,
        "form_url": page.interview_url(name),
        "plain_url": page.interview_url(name),
        "checkin_interval": interview.checkin_interval_ms(settings.checkin_interval_ms),
        "message_log": result.log,
        "extra_scripts": page.web.extra_scripts(),
        "posted": posted,
    }
    return page.render("question.html", context, status=status)


@router.post("/interview")
async def answer_interview(request: Request):
    page = Page(request)
    name = request.query_params.get("i")
    try:
        form = await request.form()
        if not page.browser.csrf_matches(form.get("_csrf")):
            raise BadRequest(CSRF_MESSAGE, 403)
        if not name:
            raise BadRequest("Which interview? The address needs ?i= and the interview's name.")
        ref = page.browser.ref_for(name)
        if ref is None:
            return page.redirect(page.interview_url(name))
        identity = page.browser.identity()
        if form.get("_back"):
            try:
                await run_in_threadpool(page.service.back, ref, identity)
            except CannotGoBackError:
                pass
            return page.redirect(page.interview_url(name))
        question_name = form.get("_question_name")
        if not isinstance(question_name, str) or not question_name:
            raise BadRequest("The form did not say which question it answers (_question_name is missing).")
        button = _button_index(form.get("_button"))
        values = {key: value for key, value in form.multi_items()
                  if key not in CONTROL_FIELDS and not isinstance(value, UploadFile)}
        try:
            result = await run_in_threadpool(lambda: page.service.answer(ref, identity, question_name, values,
                                                                         button=button))
        except InvalidInput as invalid:
            invalid.result.steps = await run_in_threadpool(page.service.steps, ref)
            return _show(page, name, invalid.result, problems=invalid.problems, typed=values, status=422)
        except StaleScreen as stale:
            if not isinstance(stale.result.outcome, Screen) or str(form.get("_button", "")).endswith(":refresh"):
                return page.redirect(page.interview_url(name))  # a refresh of an old screen shows the new one
            stale.result.steps = await run_in_threadpool(page.service.steps, ref)
            return _show(page, name, stale.result, status=409,
                         notice="The screen you answered was no longer the current one, so your answer "
                                "was not used. This is the current screen.")
        except AccessDenied:
            page.browser.forget(name)
            return page.redirect(page.interview_url(name))
        # The next screen is shown in this response, not after a redirect: a background action the
        # answer launched cannot finish between two requests and skip its waiting screen.
        return _show(page, name, result, posted=True)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a readable page
        return page.failure(exc, name)


def _button_index(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return int(str(raw).split(":", 1)[0])      # "3" or "3:refresh" (the special value, for stale pages)
    except (TypeError, ValueError):
        raise BadRequest(f"The button pressed ({raw!r}) is not one of this screen's buttons.") from None


# Leaving and files ------------------------------------------------------------------------------------
@router.get("/exited")
async def exited(request: Request):
    return Page(request).render("exited.html", {})


@router.get("/files/{file_id}/{filename}")
async def stored_file(request: Request, file_id: str, filename: str):
    page = Page(request)
    stored = None
    if file_id.isdigit():
        try:
            info = await run_in_threadpool(page.chambers.files.info, int(file_id))
            ref = page.browser.ref_for_session(info.session_id)
            stored = None if ref is None else await run_in_threadpool(page.service.file_for, ref, int(file_id))
        except (UnknownFile, AccessDenied):
            stored = None
    if stored is None:
        return page.render("error.html", {"failure": describe(BadRequest(
            "There is no such file, or this browser may not see it.", 404)), "interview_name": None}, status=404)
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in stored.filename)
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(stored.filename)}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
               "Cache-Control": "private, no-store"}
    return page.finish(Response(stored.data, media_type=stored.mimetype, headers=headers))
