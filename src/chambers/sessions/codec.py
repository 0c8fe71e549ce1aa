"""Answers to bytes and back.  Values that cannot be pickled are dropped with a warning."""
from __future__ import annotations

import logging
import pickle
from typing import Any

log = logging.getLogger(__name__)


class CorruptAnswers(Exception):
    pass


def encode(answers: dict[str, Any]) -> bytes:
    try:
        return pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - find and drop what cannot be stored
        kept = {}
        for name, value in answers.items():
            try:
                pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001
                log.warning("not saving variable %r: it cannot be stored (%s)", name, type(exc).__name__)
                continue
            kept[name] = value
        return pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> dict[str, Any]:
    try:
        answers = pickle.loads(data)  # noqa: S301 - our own bytes from our own store
    except Exception as exc:  # noqa: BLE001
        raise CorruptAnswers(f"the stored answers cannot be read ({type(exc).__name__})") from exc
    if not isinstance(answers, dict):
        raise CorruptAnswers("the stored answers are not a dictionary")
    return answers
