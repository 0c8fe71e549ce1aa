"""Shared fixtures: where docassemble's example interviews are, and a Chambers on SQLite."""
from __future__ import annotations

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
