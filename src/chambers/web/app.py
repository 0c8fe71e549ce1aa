"""``create_app(chambers) -> FastAPI``: the pages, the JSON API, and the static files."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import xstatic.pkg.bootstrap
import xstatic.pkg.jquery
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from markupsafe import Markup
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from . import api, auth, checkin, pages
from .api_request import ApiError
from ..store.users import UserRepository
from ..users.accounts import Accounts
from ..users.logins import LoginCodec
from .cookies import CookieCodec

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
OPTIONAL_SCRIPTS = ("checkin.js",)      # included on question pages once someone ships them
CORS_HEADERS = {"Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                "Access-Control-Max-Age": "86400"}


@dataclass
class WebParts:
    """What the page routes share: templates and the cookie codec."""
    templates: Jinja2Templates
    cookies: CookieCodec

    @staticmethod
    def extra_scripts() -> list[str]:
        return [name for name in OPTIONAL_SCRIPTS if (STATIC_DIR / name).is_file()]


def create_app(chambers, *, runtime=None) -> FastAPI:
    app = FastAPI(title="Chambers", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.chambers = chambers
    app.state.runtime = runtime
    max_age = max(1, chambers.settings.interview_delete_days) * 86400
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    templates.env.filters["inline_html"] = inline_html
    users = UserRepository(chambers.db)
    app.state.accounts = Accounts(users, chambers.service)
    app.state.web = WebParts(templates=templates,
                             cookies=CookieCodec(chambers.settings.server_key(), max_age_seconds=max_age,
                                                 logins=LoginCodec(chambers.settings.server_key(), users)))

    # Routes are tried in order: the check-in and push routes, the busiest by far, come first.
    app.include_router(checkin.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(auth.router)
    app.mount("/static/bootstrap", StaticFiles(directory=xstatic.pkg.bootstrap.BASE_DIR), name="bootstrap")
    app.mount("/static/jquery", StaticFiles(directory=xstatic.pkg.jquery.BASE_DIR), name="jquery")
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse("The request's parameters are not valid.", status_code=400)

    app.add_middleware(ApiCors)
    return app


class ApiCors:
    """``/api/`` answers any origin (preflights included) and fails as JSON, never an HTML traceback.

    A plain ASGI middleware: ``@app.middleware("http")`` runs every request of every path through
    extra tasks and streams, which cost more than a check-in heartbeat itself."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = dict(CORS_HEADERS)
            asked = Headers(scope=scope).get("Access-Control-Request-Headers")
            headers["Access-Control-Allow-Headers"] = asked or "Content-Type, Authorization, X-API-Key"
            await Response(status_code=204, headers=headers)(scope, receive, send)
            return
        started = False

        async def send_with_cors(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)["Access-Control-Allow-Origin"] = "*"
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:  # noqa: BLE001 - an API client gets JSON, never an HTML traceback
            log.exception("API request %s failed", scope["path"])
            if started:
                raise
            response = JSONResponse("The server failed while handling this request.", status_code=500)
            response.headers["Access-Control-Allow-Origin"] = "*"
            await response(scope, receive, send)


def inline_html(html: str) -> Markup:
    """Engine-rendered HTML for a heading: one outer paragraph removed (a heading holds no ``<p>``)."""
    text = (html or "").strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text)  # noqa: S704 - the engine's own rendering of the interview's text
