"""The engine's own costs: parsing interviews, assembling a screen, and an API round trip.

    .venv/bin/python bench/engine.py                   # everything
    .venv/bin/python bench/engine.py --no-server       # parsing and assembly only (no `chambers serve`)
    .venv/bin/python bench/engine.py --loads 50 --runs 300 --rounds 100

* parse: ``load_file()`` of each interview (docassemble's examples and examples/), the median of
  ``--loads`` loads, each reading and parsing the file afresh (the library's mtime cache is not used);
* assemble: for each screen of ajax-refresh.yml and repair-letter.yml, reached by answering the
  screens before it, one run of the interview (``engine.assemble``) from the saved answers to that
  ``Screen`` -- pure engine, no database or web; then the same screen through the session service
  (``SessionService.view``: lock, load, decode, assemble, encode, save to SQLite);
* API round trip: ``GET /api/session/new`` → ``GET /api/session/question`` → ``POST /api/session``
  against a real ``chambers serve`` on the embedded default (see api.py for each call on its own).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DOCASSEMBLE_EXAMPLES, OWN_EXAMPLES, Server, interview_dirs, rerun_line, summary_ms  # noqa: E402

SCREEN_INTERVIEWS = ("ajax-refresh.yml", "repair-letter.yml")
SAMPLE_TEXT = {"email": "pat@example.com", "integer": "3", "number": "120", "float": "1.5", "currency": "120",
               "date": "2024-03-01", "time": "10:30", "datetime": "2024-03-01T10:30", "range": "3",
               "area": "The boiler is broken.", "url": "https://example.com"}


# Parsing ------------------------------------------------------------------------------------------------
def parse_times(loads: int) -> list[tuple[str, float, int]]:
    from chambers.interview.loader import load_file
    paths = sorted(OWN_EXAMPLES.glob("*.yml"))
    if DOCASSEMBLE_EXAMPLES.is_dir():
        paths += sorted(DOCASSEMBLE_EXAMPLES.glob("*.yml"))
    out = []
    for path in paths:
        times = []
        for _ in range(loads):
            started = time.perf_counter()
            interview = load_file(path)
            times.append(time.perf_counter() - started)
        label = f"{'examples' if path.parent == OWN_EXAMPLES else 'docassemble'}/{path.name}"
        out.append((label, statistics.median(times), len(interview.blocks)))
    return out


# Assembling screens -----------------------------------------------------------------------------------------
def _form_for(screen) -> tuple[dict[str, str], int | None]:
    """Plausible answers to a screen's fields (the first choice, a sample value per datatype)."""
    form: dict[str, str] = {}
    for fld in screen.fields:
        if fld.variable is None:
            continue
        if fld.choices:
            form[fld.variable] = fld.choices[0].key
        elif fld.datatype in ("yesno", "noyes", "yesnoradio", "noyesradio", "yesnowide", "boolean"):
            form[fld.variable] = "True"
        else:
            value = SAMPLE_TEXT.get(fld.datatype, "Pat Doe")
            if fld.min is not None and fld.datatype in ("integer", "number", "float", "currency", "range"):
                value = str(max(float(value), float(fld.min)))
                value = value[:-2] if value.endswith(".0") and fld.datatype == "integer" else value
            form[fld.variable] = value
    if screen.yesno_field:
        form[screen.yesno_field] = "true"
    button = 0 if screen.kind == "multiple_choice" and screen.buttons else None
    return form, button


def screens_of(service, name: str, identity, limit: int = 12):
    """Answer the interview screen by screen: [(block name, ref)] with the session at each screen."""
    from chambers.sessions.service import SessionRef
    result = service.start(name, identity)
    ref = SessionRef(result.session_id, result.secret)
    reached = []
    while result.screen is not None and len(reached) < limit:
        screen = result.screen
        reached.append((screen.block_name, ref))
        if not screen.fields and not screen.continue_field and not screen.yesno_field and screen.kind != "multiple_choice":
            break                                                # the last screen: only special buttons
        form, button = _form_for(screen)
        following = service.answer(ref, identity, screen.block_name, form, button=button)
        # Each screen keeps a session of its own: answering the next one must not change this one.
        copy = service.start(name, identity)
        copy_ref = SessionRef(copy.session_id, copy.secret)
        _replay(service, copy_ref, identity, [b for b, _ in reached])
        reached[-1] = (screen.block_name, copy_ref)
        result = following
    return reached


def _replay(service, ref, identity, blocks: list[str]) -> None:
    result = service.view(ref, identity)
    for block in blocks[:-1]:
        form, button = _form_for(result.screen)
        result = service.answer(ref, identity, block, form, button=button)


def assembly_times(runs: int) -> list[tuple[str, str, list[float], list[float]]]:
    from chambers.config import Settings
    from chambers.interview.context import Identity
    from chambers.interview.engine import assemble
    from chambers.interview.screen import Screen
    from chambers.sessions import codec
    from chambers.wiring import build

    out = []
    with tempfile.TemporaryDirectory(prefix="chambers-bench-engine-") as tmp:
        settings = Settings(interview_dirs=interview_dirs(), data_dir=Path(tmp), database_url=None, redis_url=None,
                            secret_key="bench")
        chambers = build(settings)
        service = chambers.service
        identity = Identity(session_uid="bench")
        for name in SCREEN_INTERVIEWS:
            for block, ref in screens_of(service, name, identity):
                record, interview, answers = service._load(ref)
                frozen = codec.encode(answers)
                engine_times, service_times = [], []
                for number in range(runs + 20):
                    run = service._make_run(interview, record.id, codec.decode(frozen), identity, interface="web",
                                            secret=ref.secret)
                    started = time.perf_counter()
                    outcome = assemble(run)
                    elapsed = time.perf_counter() - started
                    if not isinstance(outcome, Screen) or outcome.block_name != block:
                        raise RuntimeError(f"{name}: expected the screen {block}, got {outcome!r}")
                    started = time.perf_counter()
                    service.view(ref, identity)
                    through_service = time.perf_counter() - started
                    if number >= 20:
                        engine_times.append(elapsed)
                        service_times.append(through_service)
                out.append((name, block, engine_times, service_times))
        chambers.db.dispose()
    return out


# Main ---------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=30, help="loads of each file (default 30)")
    parser.add_argument("--runs", type=int, default=300, help="assemblies of each screen (default 300)")
    parser.add_argument("--rounds", type=int, default=200, help="API round trips (default 200)")
    parser.add_argument("--no-server", action="store_true", help="skip the API round trip")
    args = parser.parse_args(argv)
    rerun_line("engine.py", sys.argv[1:] if argv is None else argv)

    print(f"parse: load_file(), median of {args.loads} loads each (no cache)")
    parsed = parse_times(args.loads)
    for label, median, blocks in parsed:
        print(f"  {label:<55} {1000 * median:7.2f} ms  ({blocks} blocks)")
    print(f"  {'all ' + str(len(parsed)) + ' files':<55} {1000 * sum(m for _, m, _ in parsed):7.2f} ms")

    print(f"assemble: one run to the screen, {args.runs} runs each "
          "(engine: assemble() alone; service: view() with lock, SQLite load and save)")
    for name, block, engine_times, service_times in assembly_times(args.runs):
        print(f"  {name} {block}")
        print(f"    engine   {summary_ms(engine_times)}")
        print(f"    service  {summary_ms(service_times)}")

    if not args.no_server:
        from api import FIRST_ANSWERS, measure_round_trips
        print(f"API round trip: new -> question -> answer, {args.rounds} rounds, against `chambers serve`")
        with Server() as server:
            key = server.api_key()
            for interview in FIRST_ANSWERS:
                results = measure_round_trips(server, interview, args.rounds, key=key)
                print(f"  {interview:<18} {summary_ms(results['round trip'])}   "
                      f"(new {1000 * statistics.median(results['new']):.2f}, question "
                      f"{1000 * statistics.median(results['question']):.2f}, answer "
                      f"{1000 * statistics.median(results['answer']):.2f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
