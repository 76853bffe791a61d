"""The library accepts documents by what their content is, never by their name, and keeps them
under random keys in a folder outside the web root."""

from __future__ import annotations

import pytest

from facility.library import files
from facility.library.storage import WEB_ROOT, LocalStorage, is_key, local_storage
from tests.library.documents import HTML, PDF, docx, odt, plain_zip


def test_types_come_from_the_content():
    assert files.file_type(PDF).extension == "pdf"
    assert files.file_type(docx()).media_type.endswith("wordprocessingml.document")
    assert files.file_type(odt()) == files.FileType("application/vnd.oasis.opendocument.text", "odt")


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"), (HTML, "not a document"), (plain_zip(), "not a document"),
    (b"PK\x03\x04 truncated", "not a document"), (docx(macros=True), "macros"),
    (b"%PDF-" + b"0" * files.MAX_FILE_BYTES, "at most 10 MB"),
])
def test_other_content_is_refused_with_the_reason(data, words):
    with pytest.raises(files.Refused, match=words):
        files.file_type(data)


def test_local_storage_keeps_files_under_random_keys(tmp_path):
    storage = LocalStorage(tmp_path)
    first, second = storage.put(PDF), storage.put(PDF)
    assert first != second and is_key(first)
    with storage.open(first) as stored:
        assert stored.read() == PDF
    storage.delete(first)
    storage.delete(first)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        storage.open(first)
    for forged in ("../../etc/passwd", first.upper(), first[:-1] + "/"):
        with pytest.raises(FileNotFoundError):
            storage.open(forged)
    assert storage.open(second).read() == PDF


def test_the_folder_may_not_lie_in_the_web_root(tmp_path):
    with pytest.raises(ValueError, match="web root"):
        local_storage(str(WEB_ROOT / "uploads"))
    assert local_storage(str(tmp_path)).root == tmp_path.resolve()


def test_a_resource_is_published_only_from_review():
    from types import SimpleNamespace

    from facility.errors import InvalidTransition
    from facility.library.lifecycle import RESOURCE
    from facility.library.models import ResourceStatus as S

    assert RESOURCE.before(S.PUBLISHED) == {S.SUBMITTED}
    assert RESOURCE.before(S.SUBMITTED) == {S.DRAFT, S.RETURNED}
    published = SimpleNamespace(status=S.PUBLISHED, version=3, updated_at=None)
    for to in S:
        with pytest.raises(InvalidTransition):
            RESOURCE.move(published, to)
    assert published.version == 3  # refused: unchanged
