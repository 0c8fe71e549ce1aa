"""Check-in latency and throughput against a real ``chambers serve`` on the embedded default.

    .venv/bin/python bench/checkin.py                       # 2 web processes; idle latency, then 8 clients x 20 s
    .venv/bin/python bench/checkin.py --web-workers 1       # one web process
    .venv/bin/python bench/checkin.py --client httpx        # load from httpx (asyncio) instead of the raw client
    .venv/bin/python bench/checkin.py --seconds 5 --requests 500   # quicker

Every client is a browser of its own: it opens check-in.yml (``GET /interview?i=check-in.yml&new=1``),
keeps the cookie and reads the CSRF token from the page's ``<meta name="csrf-token">``, then posts
``/checkin?i=check-in.yml`` with the ``X-CSRF-Token`` header.  Two kinds of check-in:

* action:    ``{"action": "track_drafts", "parameters": {"favorite_food": "x"}}`` runs the event
             under the session's lock, changes the answers and saves them (a durable SQLite commit);
* heartbeat: ``{}`` only proves access and collects finished background actions' notifications.

Idle latency is one client, one request at a time.  Throughput is ``--clients`` clients each
keeping one request in flight for ``--seconds``.  The load generator runs on the same machine
as the server (and competes with it for the cores); ``--client raw`` (the default) is a minimal
keep-alive HTTP/1.1 client so that as little CPU as possible goes to generating the load.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Server, browser_session, cpu_note, percentile, rerun_line  # noqa: E402

INTERVIEW = "check-in.yml"
ACTION_BODY = {"action": "track_drafts", "parameters": {"favorite_food": "x"}}
HEARTBEAT_BODY: dict = {}
TARGETS = {"idle_median_ms": 2.0, "action_rps": 1000.0, "heartbeat_rps": 4000.0}


class Browser:
    """One browser: its cookie and CSRF token for a session of check-in.yml."""

    def __init__(self, base_url: str):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            self.csrf = browser_session(client, INTERVIEW)
            self.cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)

    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, "Content-Type": "application/json"}

    def raw_request(self, host: str, body: dict) -> bytes:
        payload = json.dumps(body).encode()
        head = (f"POST /checkin?i={INTERVIEW} HTTP/1.1\r\nHost: {host}\r\nCookie: {self.cookie}\r\n"
                f"X-CSRF-Token: {self.csrf}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n")
        return head.encode() + payload


# Clients ------------------------------------------------------------------------------------------------
class RawConnection:
    """A keep-alive HTTP/1.1 connection that sends one prepared request and reads one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> "RawConnection":
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and body.startswith(b'{"success":true')


async def _raw_worker(url: str, request: bytes, stop_at: float, latencies: list[float], errors: list[str]) -> int:
    connection = await RawConnection.open(url)
    done = 0
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return done
            status, body = await connection.send(request)
            latencies.append(time.perf_counter() - started)
            if _ok(status, body):
                done += 1
            elif len(errors) < 20:
                errors.append(f"{status} {body[:200]!r}")
    finally:
        connection.close()


async def _httpx_worker(url: str, headers: dict[str, str], body: bytes, stop_at: float, latencies: list[float],
                        errors: list[str]) -> int:
    done = 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return done
            response = await client.post(f"/checkin?i={INTERVIEW}", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if _ok(response.status_code, response.content.replace(b" ", b"")):
                done += 1
            elif len(errors) < 20:
                errors.append(f"{response.status_code} {response.text[:200]}")


async def _load(url: str, browsers: list[Browser], body: dict, seconds: float, client: str):
    host = urlsplit(url).netloc
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    if client == "raw":
        jobs = [_raw_worker(url, b.raw_request(host, body), stop_at, latencies, errors) for b in browsers]
    else:
        payload = json.dumps(body).encode()
        jobs = [_httpx_worker(url, b.headers(), payload, stop_at, latencies, errors) for b in browsers]
    counts = await asyncio.gather(*jobs)
    elapsed = time.perf_counter() - started
    return list(counts), elapsed, latencies, errors


def throughput(url: str, browsers: list[Browser], body: dict, seconds: float, client: str):
    return asyncio.run(_load(url, browsers, body, seconds, client))


def idle_latency(url: str, browser: Browser, body: dict, count: int) -> list[float]:
    """One request at a time over one keep-alive connection (after a warm-up)."""
    async def measure() -> list[float]:
        connection = await RawConnection.open(url)
        request = browser.raw_request(urlsplit(url).netloc, body)
        times = []
        try:
            for number in range(count + max(50, count // 10)):
                started = time.perf_counter()
                status, reply = await connection.send(request)
                if not _ok(status, reply):
                    raise RuntimeError(f"check-in failed: {status} {reply[:300]!r}")
                if number >= max(50, count // 10):
                    times.append(time.perf_counter() - started)
        finally:
            connection.close()
        return times
    return asyncio.run(measure())


def verify_counters(server: Server, browsers: list[Browser], sent: list[int]) -> bool:
    """Each session's saved ``counter`` must equal the action check-ins it was answered for: none lost."""
    from chambers.web.cookies import CookieCodec
    codec = CookieCodec(b"bench-key", max_age_seconds=60)
    key = server.api_key()
    wrong = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for browser, expected in zip(browsers, sent):
            payload = codec.loads(browser.cookie.split("=", 1)[1])
            session_id, secret = payload["s"][INTERVIEW]
            answers = client.get("/api/session", params={"i": INTERVIEW, "session": session_id, "secret": secret,
                                                         "key": key}).json()
            if answers.get("counter") != expected:
                wrong.append(f"{answers.get('counter')} saved for {expected} check-ins")
    print(f"   saved counters: {'all match the check-ins answered' if not wrong else 'WRONG: ' + '; '.join(wrong)}")
    return not wrong


# Main ---------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--web-workers", type=int, default=2,
                        help="web processes: `chambers serve --web-workers N` (default 2, one per core; "
                             "0: leave the option out, for servers without it)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of load per kind (default 20)")
    parser.add_argument("--requests", type=int, default=2000, help="idle-latency requests per kind (default 2000)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="load generator (default raw)")
    parser.add_argument("--only", choices=("action", "heartbeat"), default=None, help="measure one kind only")
    args = parser.parse_args(argv)
    rerun_line("checkin.py", sys.argv[1:] if argv is None else argv)
    print(f"# {cpu_note()}; load from the {args.client} client, {args.clients} clients, "
          f"web processes: {args.web_workers or 'the server default'}", flush=True)
    kinds = [("action", ACTION_BODY), ("heartbeat", HEARTBEAT_BODY)]
    if args.only:
        kinds = [k for k in kinds if k[0] == args.only]
    failed = False
    with Server(web_workers=args.web_workers or None) as server:
        browsers = [Browser(server.url) for _ in range(max(1, args.clients))]
        results = {}
        for kind, body in kinds:
            times = idle_latency(server.url, browsers[0], body, args.requests)
            median_ms = 1000 * statistics.median(times)
            print(f"{kind:>9} idle latency   median {median_ms:6.2f} ms   p90 {1000 * percentile(times, 0.9):6.2f} ms"
                  f"   p99 {1000 * percentile(times, 0.99):6.2f} ms   ({len(times)} requests, 1 client)", flush=True)
            counts, elapsed, latencies, errors = throughput(server.url, browsers, body, args.seconds, args.client)
            done = sum(counts)
            rate = done / elapsed
            sent = [c + (len(times) + max(50, args.requests // 10) if n == 0 else 0) for n, c in enumerate(counts)]
            print(f"{kind:>9} throughput   {rate:8,.0f} req/s   ({done:,} ok in {elapsed:.1f} s, {args.clients} clients;"
                  f" latency median {1000 * statistics.median(latencies):.2f} ms, p90 "
                  f"{1000 * percentile(latencies, 0.9):.2f} ms; {len(errors)} errors)", flush=True)
            for error in errors[:5]:
                print(f"  error: {error}", file=sys.stderr)
            failed = failed or bool(errors)
            results[kind] = (median_ms, rate)
            if kind == "action":
                failed = not verify_counters(server, browsers, sent) or failed
                moved = server.log_path.read_text(errors="replace").count("runs in a worker thread from now on")
                print(f"   the action ran on each web process's event loop"
                      f"{'' if not moved else f' (WARNING: {moved} process(es) moved it to a worker thread as slow)'}")
    print("targets: idle median <= 2 ms; >= 1,000 req/s with the action; >= 4,000 req/s heartbeat")
    verdicts = []
    if "action" in results:
        verdicts.append(f"action idle {'ok' if results['action'][0] <= TARGETS['idle_median_ms'] else 'OVER'}")
        verdicts.append(f"action rate {'ok' if results['action'][1] >= TARGETS['action_rps'] else 'UNDER'}")
    if "heartbeat" in results:
        verdicts.append(f"heartbeat idle {'ok' if results['heartbeat'][0] <= TARGETS['idle_median_ms'] else 'OVER'}")
        verdicts.append(f"heartbeat rate {'ok' if results['heartbeat'][1] >= TARGETS['heartbeat_rps'] else 'UNDER'}")
    print("verdict: " + ", ".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
