import hashlib

from sqlalchemy import select

from chambers.store.apikeys import ApiKeyRepository
from chambers.store.models import ApiKeyRow


def test_create_verify_revoke(db):
    keys = ApiKeyRepository(db)
    key = keys.create("integration", owner_id=3)
    assert len(key) == 32 and key.replace("-", "").replace("_", "").isalnum()
    found = keys.verify(key)
    assert found is not None and (found.name, found.owner_id, found.revoked) == ("integration", 3, False)
    assert keys.verify(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert keys.verify("") is None
    other = keys.create("other")
    assert [k.name for k in keys.list()] == ["integration", "other"]
    assert keys.revoke(found.id) is True and keys.revoke(found.id) is False
    assert keys.verify(key) is None and keys.verify(other) is not None
    assert keys.revoke_key(other) is True and keys.verify(other) is None


def test_only_a_hash_is_stored(db):
    key = ApiKeyRepository(db).create("k")
    with db.reading() as session:
        stored = session.scalars(select(ApiKeyRow.key_hash)).all()
    assert stored == [hashlib.sha256(key.encode()).hexdigest()]
