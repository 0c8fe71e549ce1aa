"""Check-in and push routes.

- ``POST /checkin?i=NAME`` (the open page, cookie + CSRF header): runs the question's ``check in``
  action with the draft values and returns browser commands (see ``sessions/checkin.py``).
- ``POST /api/session/checkin`` (API key): the same for API clients and tests.
- ``GET /events?i=NAME``: a Server-Sent Events stream telling the open page that something happened
  in its session (a background action finished, progress); fanned out through Redis pub/sub so
  any web process can deliver it.  Without Redis it answers 204 and the page polls instead.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..locks import LockTimeout
from ..sessions.checkin import BadCheckin, check_in
from ..sessions.service import LOCK_TIMEOUT, AccessDenied, SessionRef
from .api import _begin, _check_interview, _chambers
from .api_request import ApiError
from .cookies import BrowserState

log = logging.getLogger(__name__)
router = APIRouter()

HEARTBEAT_SECONDS = 15
REPLAY_LIMIT_MS = 600_000   # a page older than this is not told what finished since it was drawn
REPLAY_MARGIN_MS = 100
REPLAY_LOOKBACK = timedelta(seconds=2)
MAX_BODY = 1_000_000


def _failure(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": message}, status_code=status)


async def browser_checkin(request: Request):
    web, chambers = request.app.state.web, request.app.state.chambers
    browser = BrowserState.load(request, web.cookies)
    name = request.query_params.get("i")
    ref = browser.ref_for(name) if name else None
    if ref is None:
        return _failure(404, "This browser has no session for that interview.")
    if not browser.csrf_matches(request.headers.get("X-CSRF-Token")):
        return _failure(403, "The check-in did not carry this browser's security token.")
    body = await request.body()
    if len(body) > MAX_BODY:
        return _failure(413, "The check-in is too large.")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return _failure(400, "The check-in body is not JSON.")
    if not isinstance(data, dict):
        return _failure(400, "The check-in body must be a JSON object.")
    return await _run(chambers, ref, browser.identity(), data.get("action"), data.get("parameters"), name,
                      acknowledged=data.get("ack"))


# A plain Starlette route: the page's check-in needs none of FastAPI's parameter machinery, which
# would cost a sizeable part of a heartbeat.
router.add_route("/checkin", browser_checkin, methods=["POST"])


@router.post("/api/session/checkin")
async def api_checkin(request: Request):
    params, identity = await _begin(request)
    chambers = _chambers(request)
    i, session = params.get("i"), params.get("session")
    if not isinstance(i, str) or not i or not isinstance(session, str) or not session:
        raise ApiError("Parameters i and session are required.")
    ref = SessionRef(session, params.secret(), owner_id=params.owner_id)
    parameters = params.structure("parameters", dict, "Malformed parameters.", "Parameters data is not a dict.")
    try:
        await run_in_threadpool(_check_interview, chambers.service, chambers.library, i, ref)
    except AccessDenied:
        raise ApiError("Unable to obtain interview dictionary.") from None
    return await _run(chambers, ref, identity, params.get("action"), parameters, i, interface="api", claim=True)


async def _run(chambers, ref: SessionRef, identity, action, parameters, name, *, interface: str = "checkin",
               acknowledged=None, claim: bool = False):
    def call(lock_timeout: float = LOCK_TIMEOUT):
        return check_in(chambers.service, ref, identity, action or None, parameters, interface=interface,
                        acknowledged=acknowledged, claim=claim, lock_timeout=lock_timeout)

    try:
        if _reads_only(chambers, action, acknowledged, claim):
            reply = call()
        elif chambers.db.is_sqlite and LOOP_ACTIONS.may_run(name, action):
            reply = await _on_loop_or_thread(name, action, call)
        else:
            reply = await run_in_threadpool(call)
    except BadCheckin as exc:
        return _failure(400, str(exc))
    except AccessDenied:
        return _failure(404, "Unable to obtain interview dictionary.")
    except LockTimeout:
        return _failure(503, "The session is busy; the check-in will be tried again.")
    except Exception as exc:  # noqa: BLE001 - the page keeps working; the author sees the log
        log.warning("check-in for %s failed: %s: %s", name, type(exc).__name__, exc)
        return _failure(500, f"{type(exc).__name__}: {exc}")
    return JSONResponse(reply.as_dict(), headers={"Cache-Control": "no-store"})


def _reads_only(chambers, action, acknowledged, claim: bool) -> bool:
    """A heartbeat that neither acknowledges nor claims notifications, on SQLite, only reads, and
    SQLite's readers (WAL) never wait for a writer: it runs at once on the event loop, which costs a
    fraction of handing it to a worker thread and back.  (Actions: see :class:`LoopActions`.  On a
    database over the network everything runs in a worker thread.)"""
    return not action and not acknowledged and not claim and chambers.db.is_sqlite


async def _on_loop_or_thread(name: str, action: str | None, call):
    """Run a check-in that changes the answers on the event loop if its session's lock is free at
    once, else in a worker thread, which waits for the lock.  (Nothing of a run that found the
    lock taken was saved: the thread runs it as a retry after a conflicting save would.)"""
    try:
        reply = call(lock_timeout=0)
    except LockTimeout:
        return await run_in_threadpool(call)
    LOOP_ACTIONS.ran(name, action, reply.action_seconds)
    return reply


class LoopActions:
    """Which check-in actions run on the event loop rather than in a worker thread.

    Handing a request to a worker thread and back, and the threads' contention for the GIL under
    load, cost more than a typical check-in action itself: on SQLite (local disk, no network
    round trip) actions run on the loop.  The price is that while one runs, the process serves
    nothing else, so an action whose code (the interview's, not the loading and saving around
    it) has taken longer than ``slow_seconds`` there ``strikes`` times (it calls a slow
    service, say) runs in a worker thread from then on, in this process.  (A slow run or two
    is forgiven: the first runs of an interview in a process also compile its templates.)
    """

    def __init__(self, slow_seconds: float = 0.02, strikes: int = 3, remember: int = 10_000):
        self.slow_seconds = slow_seconds
        self.strikes = strikes
        self.remember = remember
        self._slow_runs: dict[tuple[str, str | None], int] = {}

    def may_run(self, interview: str, action: str | None) -> bool:
        return self._slow_runs.get((interview, action), 0) < self.strikes

    def ran(self, interview: str, action: str | None, seconds: float) -> None:
        if seconds <= self.slow_seconds or len(self._slow_runs) >= self.remember:
            return
        key = (interview, action)
        self._slow_runs[key] = self._slow_runs.get(key, 0) + 1
        if self._slow_runs[key] == self.strikes:
            log.info("check-in action %s of %s took %.0f ms on the event loop (%d times over %.0f ms); it runs "
                     "in a worker thread from now on", action, interview, seconds * 1000, self.strikes,
                     self.slow_seconds * 1000)


LOOP_ACTIONS = LoopActions()


@router.get("/events")
async def events(request: Request):
    web, chambers = request.app.state.web, request.app.state.chambers
    runtime = request.app.state.runtime
    browser = BrowserState.load(request, web.cookies)
    name = request.query_params.get("i")
    ref = browser.ref_for(name) if name else None
    if ref is None:
        return Response(status_code=404)
    try:
        await run_in_threadpool(chambers.service.interview_of, ref)
    except AccessDenied:
        return Response(status_code=404)
    if runtime is None or runtime.redis is None:
        return Response(status_code=204)
    try:  # how long ago the page was drawn (ms): what finished since then is told at once
        age = min(max(int(request.query_params.get("age", "")), 0), REPLAY_LIMIT_MS)
    except ValueError:
        age = None
    return StreamingResponse(_stream(request, runtime, ref.session_id, age), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _replay(tasks, session_id: str, drawn: datetime) -> list[dict]:
    """What a page drawn at ``drawn`` would have heard had it been listening: the progress of
    running tasks, and the tasks that finished since its run read them.  That run saved the
    session just before the page was sent, so the finish is counted from that save (with a
    margin), looking back no more than REPLAY_LOOKBACK before the page arrived."""
    messages = [{"task": t.id, "progress": t.progress, "message": t.progress_message, "replayed": True}
                for t in tasks.reporting_progress(session_id)]
    since = drawn - timedelta(milliseconds=REPLAY_MARGIN_MS)
    saved = tasks.session_saved_at(session_id)
    if saved is not None:
        since = max(min(since, saved - timedelta(milliseconds=REPLAY_MARGIN_MS)), drawn - REPLAY_LOOKBACK)
    messages += [{"task": t.id, "state": t.state, "replayed": True} for t in tasks.finished_since(session_id, since)]
    return messages


def _async_redis(request: Request, runtime):
    client = getattr(request.app.state, "async_redis", None)
    if client is None:
        import redis.asyncio as aioredis
        client = request.app.state.async_redis = aioredis.Redis.from_url(runtime.redis_url)
    return client


async def _stream(request: Request, runtime, session_id: str, age: int | None = None):
    from ..background.notify import CHANNEL
    pubsub = _async_redis(request, runtime).pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL + session_id)
    try:
        yield "retry: 2000\n\n"
        if age is not None and runtime.task_repository is not None:
            # Subscribed: what happens from now on is published; what happened before is told from SQL.
            drawn = datetime.now(timezone.utc) - timedelta(milliseconds=age)
            for message in await run_in_threadpool(_replay, runtime.task_repository, session_id, drawn):
                yield f"data: {json.dumps(message)}\n\n"
        while not await request.is_disconnected():
            message = await pubsub.get_message(timeout=HEARTBEAT_SECONDS)
            if message is None:
                yield ": heartbeat\n\n"
                continue
            data = message["data"].decode() if isinstance(message["data"], bytes) else str(message["data"])
            yield f"data: {data}\n\n"
    except asyncio.CancelledError:
        pass
    finally:
        try:
            await pubsub.unsubscribe()
            await pubsub.aclose()
        except Exception:  # noqa: BLE001 - the connection is going away anyway
            pass
