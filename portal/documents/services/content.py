"""What a file is, read from its bytes: the accepted types and how each is recognised.

The name and the browser's Content-Type are the uploader's word; the bytes are the
file. PDF and images have a fixed signature. Office Open XML (docx, xlsx, pptx) and
OpenDocument (odt, ods, odp) files are zip archives: OpenDocument names its type in
an uncompressed ``mimetype`` entry, Office Open XML in ``[Content_Types].xml`` (the
main part's content type). Only those two small entries are read, never the rest, so
a zip bomb costs nothing. A file whose name's extension is not one of its type's is
refused too: a name that lies is a mistake or a trick.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

# Larger manifests than this are not Office files written by any real program.
MANIFEST_MAX_BYTES = 256 * 1024
OOXML = "application/vnd.openxmlformats-officedocument"
ODF = "application/vnd.oasis.opendocument"


@dataclass(frozen=True)
class FileType:
    """An accepted kind of file: its Content-Type, its extensions, a short name."""

    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileType("application/pdf", ("pdf",), "PDF")
PNG = FileType("image/png", ("png",), "PNG")
JPEG = FileType("image/jpeg", ("jpg", "jpeg"), "JPEG")
DOCX = FileType(f"{OOXML}.wordprocessingml.document", ("docx",), "Word")
XLSX = FileType(f"{OOXML}.spreadsheetml.sheet", ("xlsx",), "Excel")
PPTX = FileType(f"{OOXML}.presentationml.presentation", ("pptx",), "PowerPoint")
ODT = FileType(f"{ODF}.text", ("odt",), "OpenDocument text")
ODS = FileType(f"{ODF}.spreadsheet", ("ods",), "OpenDocument spreadsheet")
ODP = FileType(f"{ODF}.presentation", ("odp",), "OpenDocument presentation")
ACCEPTED = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, PNG, JPEG)

_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
# The main part's content type in [Content_Types].xml names the Office type.
_OOXML_MAIN = {
    f"{OOXML}.wordprocessingml.document.main+xml": DOCX,
    f"{OOXML}.spreadsheetml.sheet.main+xml": XLSX,
    f"{OOXML}.presentationml.presentation.main+xml": PPTX,
}
_ODF_TYPES = {t.content_type: t for t in (ODT, ODS, ODP)}
_CONTENT_TYPE_ATTR = re.compile(rb'ContentType\s*=\s*"([^"]{1,200})"')


def accepted_extensions() -> list[str]:
    """Every extension an accepted file may have, for the form's ``accept`` list."""
    return [f".{ext}" for t in ACCEPTED for ext in t.extensions]


def detect(stream: IO[bytes]) -> FileType | None:
    """The accepted type of the file in ``stream`` from its bytes, or None."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(stream)
    return None


def _zip_type(stream: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return _ODF_TYPES.get(_small_entry(archive, "mimetype").strip().decode("ascii"))
            if "[Content_Types].xml" in names:
                manifest = _small_entry(archive, "[Content_Types].xml")
                for found in _CONTENT_TYPE_ATTR.findall(manifest):
                    kind = _OOXML_MAIN.get(found.decode("ascii", "replace"))
                    if kind is not None:
                        return kind
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError, EOFError):
        return None
    finally:
        stream.seek(0)
    return None


def _small_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MANIFEST_MAX_BYTES:
        raise ValueError("manifest too large")
    with archive.open(info) as entry:
        return entry.read(MANIFEST_MAX_BYTES + 1)[:MANIFEST_MAX_BYTES]


def extension_of(filename: str) -> str:
    """The name's extension in lower case, without the dot ("" when there is none)."""
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


def size_of(stream: IO[bytes]) -> int:
    """The stream's length in bytes, leaving it at the start."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size
