"""Answers at rest: encrypted unless multi_user, tamper-evident, re-encrypted when multi_user goes back."""
import logging

import pytest
from sqlalchemy import update

from chambers.sessions import AccessDenied, SessionRef, crypto
from chambers.sessions.codec import CorruptAnswers
from chambers.store.models import SessionStepRow

from .conftest import FACT, WEB


# The cipher ---------------------------------------------------------------------------------------------
def test_seal_round_trips_and_is_bound_to_key_and_session():
    blob = crypto.seal(b"answers", "s3cret", "a" * 32)
    assert crypto.is_sealed(blob) and b"answers" not in blob
    assert crypto.unseal(blob, "s3cret", "a" * 32) == b"answers"
    with pytest.raises(crypto.TamperedAnswers):
        crypto.unseal(blob, "wrong", "a" * 32)
    with pytest.raises(crypto.TamperedAnswers):
        crypto.unseal(blob, "s3cret", "b" * 32)        # moved into another session
    with pytest.raises(crypto.MissingKey):
        crypto.unseal(blob, None, "a" * 32)
    assert crypto.unseal(b"plain pickle", None, "a" * 32) == b"plain pickle"


def test_every_changed_byte_is_detected():
    blob = bytearray(crypto.seal(b"x" * 40, "k", "s"))
    for position in (5, 20, len(blob) - 1):
        changed = bytearray(blob)
        changed[position] ^= 0x01
        with pytest.raises(crypto.TamperedAnswers):
            crypto.unseal(bytes(changed), "k", "s")


def test_recoder_is_idempotent():
    sealed = crypto.seal(b"data", "old", "s")
    to_new = crypto.recoder("s", "old", "new")
    moved = to_new(sealed)
    assert crypto.unseal(moved, "new", "s") == b"data"
    assert crypto.recoder("s", "new", "new", encrypt=True)(moved) == moved
    assert crypto.recoder("s", "new", "new", encrypt=False)(moved) == b"data"
    assert crypto.recoder("s", "new", "new", encrypt=False)(b"data") == b"data"


# Sessions ---------------------------------------------------------------------------------------------
def test_an_encrypted_sessions_rows_hold_no_answer_in_clear(site):
    s = site()
    result = s.service.start("private.yml", WEB)
    assert result.encrypted is True
    ref = SessionRef(result.session_id, result.secret)
    s.answer_fact(ref)
    assert s.service.variables(ref)["secret_fact"] == FACT
    steps = s.steps_data(ref.session_id)
    assert len(steps) == 2 and all(crypto.is_sealed(d) for d in steps)
    assert all(FACT.encode() not in d and b"secret_fact" not in d for d in steps)
    row = s.session_row(ref.session_id)
    assert row["encrypted"] is True
    assert FACT not in repr(row) and result.secret not in repr(row)


def test_a_tampered_ciphertext_is_detected(site):
    s = site()
    ref = s.start("private.yml")
    s.answer_fact(ref)
    data = bytearray(s.steps_data(ref.session_id)[-1])
    data[-3] ^= 0x40
    with s.chambers.db.transaction() as tx:
        tx.execute(update(SessionStepRow).where(SessionStepRow.session_id == ref.session_id,
                                                SessionStepRow.step == 2).values(data=bytes(data)))
    with pytest.raises(CorruptAnswers, match="integrity"):
        s.service.view(ref, WEB)


def test_tampering_is_reported_by_the_api(site):
    s = site()
    client = s.browser()
    key = s.chambers.api_keys.create("t")
    info = client.get("/api/session/new", params={"key": key, "i": "private.yml"}).json()
    assert info["encrypted"] is True
    with s.chambers.db.transaction() as tx:
        tx.execute(update(SessionStepRow).where(SessionStepRow.session_id == info["session"])
                   .values(data=crypto.MAGIC + b"\0" * 40))
    answer = client.get("/api/session", params={"key": key, "i": "private.yml", "session": info["session"],
                                                "secret": info["secret"]})
    assert answer.status_code == 400 and answer.json() == "Unable to decrypt interview dictionary."


def test_without_the_secret_nothing_opens(site):
    s = site()
    ref = s.start("private.yml")
    for wrong in (SessionRef(ref.session_id), SessionRef(ref.session_id, "x" * 16),
                  SessionRef(ref.session_id, system=True), SessionRef(ref.session_id, owner_id=5)):
        with pytest.raises(AccessDenied):
            s.service.view(wrong, WEB)


def test_multi_user_decrypts_every_step_and_turning_it_off_encrypts_them_again(site):
    s = site()
    ref = s.start("sharing.yml")
    assert all(crypto.is_sealed(d) for d in s.steps_data(ref.session_id))
    screen = s.service.view(ref, WEB).screen
    s.service.answer(ref, WEB, screen.block_name, {screen.yesno_field: "True"})     # share = True
    s.answer_fact(ref)
    steps = s.steps_data(ref.session_id)
    assert len(steps) == 3 and not any(crypto.is_sealed(d) for d in steps)
    assert s.session_row(ref.session_id)["encrypted"] is False
    assert FACT.encode() in steps[-1]                                # multi_user: stored in clear, by design
    # The server's own front ends may now open it without the user.
    assert s.service.variables(SessionRef(ref.session_id, system=True))["secret_fact"] == FACT

    s.service.set_variables(ref, WEB, {"multi_user": False}, overwrite=True)
    steps = s.steps_data(ref.session_id)
    assert all(crypto.is_sealed(d) for d in steps) and all(FACT.encode() not in d for d in steps)
    assert s.session_row(ref.session_id)["encrypted"] is True
    with pytest.raises(AccessDenied):
        s.service.variables(SessionRef(ref.session_id, system=True))
    s.service.back(ref, WEB)                                          # an earlier step still opens
    assert s.service.variables(ref)["share"] is True


def test_exit_deletes_the_session_and_leave_keeps_it(site):
    s = site()
    for button, kept in (("leave", True), ("exit", False)):
        ref = s.start("private.yml")
        screen = s.answer_fact(ref).screen
        index = [b.special for b in screen.buttons].index(button)
        s.service.answer(ref, WEB, screen.block_name, {}, button=index)
        assert s.service.sessions.exists(ref.session_id) is kept


def test_no_answer_value_is_logged(site, caplog):
    caplog.set_level(logging.DEBUG)
    s = site()
    ref = s.start("private.yml")
    s.answer_fact(ref)
    s.service.view(ref, WEB)
    with pytest.raises(AccessDenied):
        s.service.view(SessionRef(ref.session_id, system=True), WEB)
    assert FACT not in caplog.text and ref.secret not in caplog.text
