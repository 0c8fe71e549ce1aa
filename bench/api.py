"""The JSON API against a real ``chambers serve`` on the embedded default: each call and a round trip.

    .venv/bin/python bench/api.py                  # 300 round trips on check-in.yml and repair-letter.yml
    .venv/bin/python bench/api.py --rounds 100     # quicker
    .venv/bin/python bench/api.py --web-workers 2  # uvicorn with 2 web processes

A round trip is what an API client does to begin an interview and answer its first question:

1. ``GET /api/session/new?i=…``            a new session (the interview runs to its first screen, saved);
2. ``GET /api/session/question``           the current question as JSON (runs the interview, saves);
3. ``POST /api/session`` with ``variables`` answers it; the reply is the next question's JSON.

Then, on the same session: ``POST /api/session/action`` (an action that saves),
``GET /api/session`` (all variables as JSON), ``POST /api/session/back`` (one step back).
One client, one request at a time, keep-alive; figures are client-side wall times.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Server, cpu_note, percentile, rerun_line, summary_ms  # noqa: E402

#: interview -> the variables that answer its first question
FIRST_ANSWERS = {
    "check-in.yml": {"favorite_food": "apple pie"},
    "repair-letter.yml": {"tenant.name": "Pat Doe", "tenant.email": "pat@example.com", "tenant.household": 2},
}
ACTIONS = {"check-in.yml": ("track_drafts", {"favorite_food": "soup"})}


class ApiClient:
    def __init__(self, url: str, key: str):
        self.http = httpx.Client(base_url=url, timeout=60, headers={"X-API-Key": key})

    def call(self, method: str, path: str, **kwargs) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = self.http.request(method, path, **kwargs)
        elapsed = time.perf_counter() - started
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} failed: {response.status_code} {response.text[:300]}")
        return elapsed, response

    def close(self) -> None:
        self.http.close()


def round_trip(client: ApiClient, interview: str) -> tuple[dict[str, float], dict[str, str]]:
    """new → question → answer; the time of each step and the session."""
    times: dict[str, float] = {}
    times["new"], reply = client.call("GET", "/api/session/new", params={"i": interview})
    session = {"i": interview, "session": reply.json()["session"], "secret": reply.json()["secret"]}
    times["question"], reply = client.call("GET", "/api/session/question", params=session)
    if "questionText" not in reply.json() and "questionType" not in reply.json():
        raise RuntimeError(f"no question from {interview}: {reply.text[:300]}")
    times["answer"], reply = client.call("POST", "/api/session",
                                         json={**session, "variables": FIRST_ANSWERS[interview]})
    if "questionType" not in reply.json():
        raise RuntimeError(f"answering {interview}'s first question failed: {reply.text[:300]}")
    times["round trip"] = times["new"] + times["question"] + times["answer"]
    return times, session


def measure_round_trips(server: Server, interview: str, rounds: int, *, key: str | None = None,
                        extra_calls: bool = False) -> dict[str, list[float]]:
    client = ApiClient(server.url, key or server.api_key())
    results: dict[str, list[float]] = {}
    try:
        for number in range(rounds + max(5, rounds // 10)):       # the first ones warm up
            times, session = round_trip(client, interview)
            if extra_calls:
                if interview in ACTIONS:
                    action, arguments = ACTIONS[interview]
                    times["action"], _ = client.call("POST", "/api/session/action",
                                                     json={**session, "action": action, "arguments": arguments,
                                                           "persistent": True})
                times["variables"], _ = client.call("GET", "/api/session", params=session)
                times["back"], _ = client.call("POST", "/api/session/back", json=session)
            if number >= max(5, rounds // 10):
                for name, value in times.items():
                    results.setdefault(name, []).append(value)
    finally:
        client.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="round trips per interview (default 300)")
    parser.add_argument("--web-workers", type=int, default=None, help="`chambers serve --web-workers`")
    args = parser.parse_args(argv)
    rerun_line("api.py", sys.argv[1:] if argv is None else argv)
    print(f"# {cpu_note()}; one client, one request at a time", flush=True)
    with Server(web_workers=args.web_workers) as server:
        key = server.api_key()
        for interview in FIRST_ANSWERS:
            results = measure_round_trips(server, interview, args.rounds, key=key, extra_calls=True)
            print(f"{interview}  ({len(results['round trip'])} rounds)")
            for name, values in results.items():
                print(f"  {name:<11} {summary_ms(values)}")
            total = statistics.median(results["round trip"])
            print(f"  -> {1 / total:,.0f} round trips/s for one client")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
