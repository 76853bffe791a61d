"""Small real documents of each kind the library accepts, and some it must refuse."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def docx(*, macros: bool = False) -> bytes:
    members = [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]
    if macros:
        members.append(("word/vbaProject.bin", b"\0" * 16))
    return _zip(members)


def odt() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.text"),
                 ("content.xml", b"<office:document-content/>")])


def plain_zip() -> bytes:
    return _zip([("notes.txt", b"not a document")])


HTML = b"<html><script>alert(1)</script></html>"
