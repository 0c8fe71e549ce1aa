"""The docassemble-compatible session API (see /work/shared/spec/api.md, the contract).

Every route checks the API key, reads parameters from the query, a JSON body or a form, calls
the session service in a worker thread, and answers JSON (errors are JSON string literals).
"""
from __future__ import annotations

import logging
from typing import Any, Callable
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..interview.errors import ChambersError, UndefinedVariable
from ..interview.outcomes import Command
from ..interview.outcomes import Response as RawResponse
from ..interview.screen import Screen
from ..interview.targets import is_target
from ..locks import LockTimeout
from ..sessions.codec import CorruptAnswers
from ..sessions.service import AccessDenied, CannotGoBackError, RunResult, SessionRef
from ..store.errors import VersionConflict
from .auth import api_owner_identity
from .api_request import ApiError, ApiParams, api_identity, api_key_of, read_params
from .json_values import CODE_TYPES, from_json, jsonable
from .question_json import command_json, question_json, undefined_variable_json

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")

NO_DICTIONARY = "Unable to obtain interview dictionary."
NEED_SESSION = "Parameters i and session are required."
NOT_URL_ARGS = {"i", "secret", "key"}



# Plumbing ---------------------------------------------------------------------------------------------
def _chambers(request: Request):
    return request.app.state.chambers


async def _begin(request: Request) -> tuple[ApiParams, Any]:
    params = await read_params(request)
    chambers = _chambers(request)
    identity = await run_in_threadpool(api_identity, chambers.api_keys, api_key_of(request, params))
    identity = await run_in_threadpool(api_owner_identity, request, identity)
    params.owner_id = identity.user_id
    return params, identity


def interview_name(library, given: str) -> str:
    """The library's name for ``i``: ``docassemble.x:data/questions/NAME.yml`` means ``NAME.yml``."""
    name = given.split(":")[-1].replace("\\", "/").rsplit("/", 1)[-1]
    if not name.endswith((".yml", ".yaml")) and f"{name}.yml" in library.names():
        return f"{name}.yml"
    return name


def _session_ref(params: ApiParams) -> tuple[str, SessionRef]:
    i, session = params.get("i"), params.get("session")
    if not isinstance(i, str) or not i or not isinstance(session, str) or not session:
        raise ApiError(NEED_SESSION)
    return i, SessionRef(session, params.secret(), owner_id=params.owner_id)


def _check_interview(service, library, i: str, ref: SessionRef) -> None:
    """A session answers only under the interview it belongs to (docassemble keys by both)."""
    if service.interview_of(ref).name != interview_name(library, i):
        raise AccessDenied()


async def _call(step: Callable[[], Any], *, failure: Callable[[BaseException], ApiError]) -> Any:
    """Run a service call in a thread; translate what it raises into an :class:`ApiError`."""
    try:
        return await run_in_threadpool(step)
    except ApiError:
        raise
    except AccessDenied:
        raise ApiError(NO_DICTIONARY) from None
    except CorruptAnswers:
        raise ApiError("Unable to decrypt interview dictionary.") from None
    except LockTimeout:
        raise ApiError("The session is busy with another request; try again.", 503) from None
    except VersionConflict:
        raise ApiError("The session was changed by another request; try again.", 409) from None
    except Exception as exc:  # noqa: BLE001 - every other failure is reported, as docassemble does
        if not isinstance(exc, (ChambersError, NameError, AttributeError, KeyError, IndexError, TypeError,
                                ValueError)):
            log.exception("API call failed")
        raise failure(exc) from exc


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _outcome(result: RunResult) -> Response:
    """The answer for a run's outcome: question JSON, a raw response, or a command pseudo-question."""
    outcome = result.outcome
    if isinstance(outcome, Screen):
        return JSONResponse(question_json(outcome, result.interview, steps=result.steps, message_log=result.log))
    if isinstance(outcome, RawResponse):
        body = outcome.body if isinstance(outcome.body, bytes) else str(outcome.body).encode("utf-8")
        return Response(body, status_code=outcome.status, headers={"Content-Type": outcome.content_type})
    if isinstance(outcome, Command):
        return JSONResponse(command_json(outcome, result.interview, steps=result.steps, message_log=result.log))
    raise ApiError(f"Problem getting current question:the run ended with {type(outcome).__name__}, "
                   "which has no screen")


# Routes ---------------------------------------------------------------------------------------------
@router.get("/interviews")
async def list_interviews(request: Request):
    await _begin(request)
    library = _chambers(request).library

    def listing() -> list[dict[str, Any]]:
        out = []
        for name in library.names():
            try:
                out.append({"filename": name, "title": library.get(name).title})
            except Exception as exc:  # noqa: BLE001 - a broken interview is listed with its error
                out.append({"filename": name, "title": name, "error": str(exc)})
        return out

    return JSONResponse(await run_in_threadpool(listing))


@router.get("/file/{number}")
async def stored_file(request: Request, number: str):
    """A file of the session (an assembled document's ``number`` in the question JSON), for an API
    client: with ``i``, ``session`` and ``secret`` as for the session calls (docassemble's
    ``/api/file/<number>``).  Opened only for a caller who may open the session."""
    params, _identity = await _begin(request)
    chambers = _chambers(request)
    i, ref = _session_ref(params)
    if not number.isdigit():
        raise ApiError("File not found.", 404)

    def read():
        _check_interview(chambers.service, chambers.library, i, ref)
        return chambers.service.file_for(ref, int(number))

    try:
        stored = await _call(read, failure=lambda exc: ApiError(_described(exc)))
    except ApiError as exc:
        if exc.message == NO_DICTIONARY:
            raise ApiError("File not found.", 404) from None
        raise
    disposition = f"attachment; filename*=UTF-8''{quote(stored.filename)}"
    return Response(stored.data, media_type=stored.mimetype,
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/session/new")
async def new_session(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    i = params.get("i")
    if not i:
        raise ApiError("Parameter i is required.")
    name = interview_name(chambers.library, i)
    url_args = {key: value for key, value in params.query.items()
                if key not in NOT_URL_ARGS and key[:1] and (key[0].isalpha() or key[0] == "_")}
    secret = params.get("secret") or None
    result = await _call(lambda: chambers.service.start(name, identity, url_args=url_args, secret=secret,
                                                        interface="api", checkin=True),
                         failure=lambda exc: ApiError(_described(exc)))
    return JSONResponse({"session": result.session_id, "i": i, "secret": result.secret,
                         "encrypted": bool(result.encrypted)})


@router.get("/session/question")
async def current_question(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    i, ref = _session_ref(params)

    def view():
        _check_interview(chambers.service, chambers.library, i, ref)
        try:
            return chambers.service.view(ref, identity, interface="api")
        except UndefinedVariable as exc:
            return exc

    result = await _call(view, failure=lambda exc: ApiError(
        f"get_question_data: failure to assemble interview: {_described(exc)}"))
    if isinstance(result, UndefinedVariable):
        return JSONResponse(undefined_variable_json(result.name))
    return _outcome(result)


@router.post("/session")
async def set_variables(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    i, ref = _session_ref(params)
    variables = params.structure("variables", dict, "Malformed variables.", "Variables data is not a dict.")
    file_variables = params.structure("file_variables", dict, "Malformed list of file variables.",
                                      "File variables data is not a dict.")
    delete_variables = params.structure("delete_variables", list, "Malformed list of delete variables.",
                                        "Delete variables data is not a list.")
    event_list = params.structure("event_list", list, "Malformed event list.", "Event list data is not a list.")
    if file_variables or params.uploads:
        raise ApiError("Malformed file variable.: this server does not accept file uploads through the API yet")
    for name in list(variables) + list(delete_variables):
        if not isinstance(name, str) or not is_target(name):
            raise ApiError("Illegal value as variable name.")
    for name in event_list:
        if not isinstance(name, str) or not is_target(name):
            raise ApiError("Illegal value as event name.")
    if not params.flag("raw", False):
        variables = {name: from_json(value) for name, value in variables.items()}
    question_name = params.get("question_name") or None
    if question_name is not None and not isinstance(question_name, str):
        raise ApiError("Problem marking question as completed")
    overwrite = params.flag("overwrite", False)

    def apply():
        _check_interview(chambers.service, chambers.library, i, ref)
        try:
            return chambers.service.set_variables(ref, identity, variables, delete_variables=delete_variables,
                                                  event_list=event_list, question_name=question_name,
                                                  overwrite=overwrite, interface="api")
        except UndefinedVariable as exc:
            return exc

    def failure(exc: BaseException) -> ApiError:
        if type(exc) is LookupError:
            return ApiError("Problem marking question as completed")
        if isinstance(exc, ChambersError):
            return ApiError(f"Problem getting current question:{_described(exc)}")
        return ApiError(f"Problem setting variables:{exc}")

    result = await _call(apply, failure=failure)
    if isinstance(result, UndefinedVariable):
        return JSONResponse(undefined_variable_json(result.name))
    if not params.flag("question", True) and not isinstance(result.outcome, RawResponse):
        return Response(status_code=204)
    return _outcome(result)


@router.get("/session")
async def all_variables(request: Request):
    params, _ = await _begin(request)
    chambers = _chambers(request)
    i, ref = _session_ref(params)

    def read():
        _check_interview(chambers.service, chambers.library, i, ref)
        return chambers.service.variables(ref)

    answers = await _call(read, failure=lambda exc: ApiError(NO_DICTIONARY))
    return JSONResponse({name: jsonable(value) for name, value in answers.items()
                         if not name.startswith("__") and not isinstance(value, CODE_TYPES)})


@router.delete("/session")
async def delete_session(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    _, ref = _session_ref(params)
    # The caller's own sessions (its secret, or its owner's unencrypted ones); any session for an
    # administrator, or for a key that belongs to no user (the server's own, made by `chambers apikey`).
    administrator = identity.user_id is None or "admin" in identity.privileges

    def remove() -> None:
        chambers.service.delete_for(ref, identity, any_session=administrator and ref.secret is None)

    await _call(remove, failure=lambda exc: ApiError(_described(exc)))
    return Response(status_code=204)


@router.post("/session/back")
async def go_back(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    i, ref = _session_ref(params)

    def back():
        _check_interview(chambers.service, chambers.library, i, ref)
        return chambers.service.back(ref, identity, interface="api")

    def failure(exc: BaseException) -> ApiError:
        if isinstance(exc, CannotGoBackError):
            return ApiError("Cannot go back.")
        return ApiError("Problem getting current question")

    result = await _call(back, failure=failure)
    if not params.flag("question", True) and not isinstance(result.outcome, RawResponse):
        return Response(status_code=204)
    return _outcome(result)


@router.post("/session/action")
async def run_action(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    i, session, action = params.get("i"), params.get("session"), params.get("action")
    if not all(isinstance(v, str) and v for v in (i, session, action)):
        raise ApiError("Parameters i, session, and action are required.")
    ref = SessionRef(session, params.secret(), owner_id=params.owner_id)
    arguments = params.structure("arguments", dict, "Malformed arguments.", "Arguments data is not a dict.")
    if not is_target(action):
        raise ApiError("Illegal value as action name.")
    persistent = params.flag("persistent", False)
    overwrite = params.flag("overwrite", False)
    read_only = params.flag("read_only", False)

    def act():
        _check_interview(chambers.service, chambers.library, i, ref)
        try:
            return chambers.service.run_action(ref, identity, action, arguments, interface="api",
                                               persistent=persistent, new_step=not overwrite,
                                               read_only=read_only)
        except UndefinedVariable:
            return None          # docassemble counts a missing variable during an action as success

    result = await _call(act, failure=lambda exc: ApiError(
        f"api_session_action: failure to assemble interview: {_described(exc)}"))
    if result is not None and isinstance(result.outcome, RawResponse):
        return _outcome(result)
    return Response(status_code=204)
