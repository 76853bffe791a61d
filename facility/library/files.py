"""What an uploaded file may be: its size, and its type as its content shows (never as its name
or the browser says).

Allowed: PDF (it begins with `%PDF-`), the OOXML documents (a ZIP holding
`[Content_Types].xml` and the main part of a Word, Excel or PowerPoint file) and the ODF
documents (a ZIP whose first member, `mimetype`, names a text, spreadsheet or presentation).
A document carrying macros (`vbaProject.bin`, ODF `Basic/` scripts) is refused: the library
passes documents on to many readers, and a macro is the usual way a document carries harm.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000  # a real document has tens to hundreds


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str


PDF = FileType("application/pdf", "pdf")
OOXML = {
    "word/document.xml": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/workbook.xml": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/presentation.xml": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
ALLOWED = "PDF, Word, Excel or PowerPoint (.docx, .xlsx, .pptx) or OpenDocument (.odt, .ods, .odp)"


def extension_of(media_type: str | None) -> str:
    """The file name extension of an accepted type ("" for none)."""
    if media_type == PDF.media_type:
        return PDF.extension
    for kind in OOXML.values():
        if kind.media_type == media_type:
            return kind.extension
    return ODF.get(media_type or "", "")


class Refused(ValueError):
    """Why the file is not accepted (a sentence for the `file` field)."""


def file_type(data: bytes) -> FileType:
    """The type of `data`, or Refused."""
    if not data:
        raise Refused("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        found = _office_type(data)
        if found is not None:
            return found
    raise Refused(f"not a document the library accepts: {ALLOWED}")


def _office_type(data: bytes) -> FileType | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if len(members) > MAX_ZIP_MEMBERS:
        return None
    names = [m.filename for m in members]
    if any(n.lower().endswith("vbaproject.bin") or n.startswith("Basic/") for n in names):
        raise Refused("documents with macros are not accepted; save it without macros, or as PDF")
    if members and members[0].filename == "mimetype" and members[0].file_size < 100:
        try:
            media = archive.read(members[0]).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, ValueError, NotImplementedError):
            return None
        if media in ODF:
            return FileType(media, ODF[media])
        return None
    if "[Content_Types].xml" in names:
        for part, kind in OOXML.items():
            if part in names:
                return kind
    return None
