"""Run every benchmark in bench/ (each ``bench/*.py`` but this one and ``_*.py`` helpers), one after another.

    .venv/bin/python bench/run_all.py                     # all of them, with their default settings
    .venv/bin/python bench/run_all.py --only checkin api  # just these (names without .py)
    .venv/bin/python bench/run_all.py --skip cron_pass

Each runs as its own process (``.venv/bin/python bench/NAME.py``) and prints the command that
reruns it first; this prints how long each took and which failed (a benchmark exits non-zero when
it fails or misses its target).  ``make bench`` runs this.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != Path(__file__).name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--skip", nargs="+", default=[], metavar="NAME", help="leave these out")
    args = parser.parse_args(argv)
    chosen = [p for p in benchmarks() if (args.only is None or p.stem in args.only) and p.stem not in args.skip]
    if args.only:
        unknown = set(args.only) - {p.stem for p in benchmarks()}
        if unknown:
            print(f"no such benchmark: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    results = []
    for path in chosen:
        print(f"\n=== {path.name} " + "=" * max(0, 66 - len(path.name)), flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(path)], cwd=HERE.parent)
        results.append((path.name, code, time.monotonic() - started))
    print("\n=== summary " + "=" * 58)
    for name, code, seconds in results:
        print(f"  {name:<24} {'ok' if code == 0 else f'FAILED (exit {code})':<16} {seconds:7.1f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
