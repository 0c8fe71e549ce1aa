import pytest

from chambers.store.errors import UnknownFile, UnknownSession
from chambers.store.files import FileRepository


def test_add_get_list(db, make_session):
    make_session()
    files = FileRepository(db)
    first = files.add("s1", "letter.pdf", "application/pdf", b"%PDF-1.7 ...")
    second = files.add("s1", "photo.png", "image/png", bytes(range(256)))
    assert first.id != second.id and first.size == 12
    fetched = files.get(second.id)
    assert fetched == second and fetched.data == bytes(range(256))
    listed = files.list_for_session("s1")
    assert [f.filename for f in listed] == ["letter.pdf", "photo.png"]
    assert not hasattr(listed[0], "data")
    assert files.delete(first.id) is True and files.delete(first.id) is False
    with pytest.raises(UnknownFile):
        files.get(first.id)


def test_add_to_unknown_session(db):
    with pytest.raises(UnknownSession):
        FileRepository(db).add("nope", "a", "text/plain", b"")


def test_info_tells_whose_a_file_is_without_its_contents(db, make_session):
    make_session()
    files = FileRepository(db)
    stored = files.add("s1", "letter.pdf", "application/pdf", b"%PDF-1.7 ...")
    info = files.info(stored.id)
    assert (info.session_id, info.filename, info.size) == ("s1", "letter.pdf", 12)
    assert not hasattr(info, "data")
    with pytest.raises(UnknownFile):
        files.info(stored.id + 1)
