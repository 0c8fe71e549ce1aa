"""Reading a JSON API request the way docassemble does (api.md §1): parameters, flags, the key."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..interview.context import Identity

BODY_METHODS = {"POST", "PUT", "PATCH"}
FALSE_WORDS = {"0", "false", "f"}


class ApiError(Exception):
    """Answered as a JSON string literal with ``status`` (docassemble's ``jsonify_with_status``)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status

    def response(self) -> JSONResponse:
        return JSONResponse(self.message, status_code=self.status)


@dataclass
class ApiParams:
    values: dict[str, Any]
    query: dict[str, str]
    body: dict[str, Any]
    uploads: dict[str, list[UploadFile]] = field(default_factory=dict)
    method: str = "GET"
    owner_id: int | None = None       # the API key's owner: sessions are opened on that user's behalf

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def flag(self, name: str, default: bool) -> bool:
        return true_or_false(self.values[name]) if name in self.values else default

    def secret(self) -> str | None:
        """GET routes: a missing secret stays None; body routes: it becomes the string "None"."""
        secret = self.values.get("secret")
        if secret is None or secret == "":
            return "None" if self.method in BODY_METHODS else None
        return str(secret)

    def structure(self, name: str, kind: type, malformed: str, wrong_kind: str) -> Any:
        """A parameter that is JSON text in form mode, or already an object/list in JSON mode."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            return kind()
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise ApiError(malformed) from None
        if raw is None:
            return kind()
        if not isinstance(raw, kind):
            raise ApiError(wrong_kind)
        return raw


def true_or_false(value: Any) -> bool:
    if value is None or value is False or value == 0:
        return False
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    return True


async def read_params(request: Request) -> ApiParams:
    query = dict(request.query_params)
    body: dict[str, Any] = {}
    uploads: dict[str, list[UploadFile]] = {}
    if request.method in BODY_METHODS:
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            raw = await request.body()
            if raw.strip():
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    raise ApiError("The request body is not valid JSON.") from None
                if not isinstance(parsed, dict):
                    raise ApiError("The JSON request body must be an object.")
                body = parsed
        elif "form" in content_type:
            form = await request.form()
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    uploads.setdefault(key, []).append(value)
                else:
                    body[key] = value
    values = {**query, **body}
    return ApiParams(values=values, query=query, body=body, uploads=uploads, method=request.method)


def api_key_of(request: Request, params: ApiParams) -> str | None:
    """The key, looked for in api.md §1.1's order; the first place that has one wins."""
    if params.query.get("key"):
        return params.query["key"]
    if request.method in BODY_METHODS and isinstance(params.body.get("key"), str) and params.body["key"]:
        return params.body["key"]
    for found in (request.cookies.get("X-API-Key"), request.headers.get("X-API-Key")):
        if found:
            return found
    authorization = request.headers.get("Authorization", "")
    word, _, rest = authorization.strip().partition(" ")
    if word.lower() == "bearer" and rest.strip():
        return rest.strip()
    return None


def api_identity(api_keys, key: str | None) -> Identity:
    """Who an API call acts for; ``ApiError`` 403 "Access denied." for a missing or unknown key."""
    record = api_keys.verify(key) if key else None
    if record is None:
        raise ApiError("Access denied.", 403)
    return Identity(user_id=record.owner_id, session_uid=f"api:{record.id}",
                    logged_in=record.owner_id is not None)
