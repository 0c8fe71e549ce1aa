"""Shared fixtures: where docassemble's example interviews are, and a Chambers on SQLite."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OWN_EXAMPLES = REPO / "examples"
DOCASSEMBLE_EXAMPLES = (REPO.parent / "shared" / "examples" / "docassemble").resolve()


@pytest.fixture(scope="session")
def docassemble_examples() -> Path:
    if not DOCASSEMBLE_EXAMPLES.is_dir():
        pytest.skip(f"docassemble's examples are not beside the repo ({DOCASSEMBLE_EXAMPLES})")
    return DOCASSEMBLE_EXAMPLES


@pytest.fixture
def chambers(tmp_path, docassemble_examples):
    from chambers.config import Settings
    from chambers.wiring import build
    settings = Settings(interview_dirs=[OWN_EXAMPLES, docassemble_examples], data_dir=tmp_path / "data",
                        database_url=None, redis_url=None, secret_key="test-key")
    built = build(settings)
    yield built
    built.db.dispose()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright (one browser for the whole run)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/ensure-chromium, run by make test, installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
