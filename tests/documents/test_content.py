"""The type of a file comes from its bytes: signatures, and the manifests inside zips."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.documents.services import content
from tests.documents.conftest import OOXML, PDF_BYTES, PNG_BYTES, odf, ooxml


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF_BYTES, content.PDF),
        (PNG_BYTES, content.PNG),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, content.JPEG),
        (ooxml(f"{OOXML}.wordprocessingml.document.main+xml"), content.DOCX),
        (ooxml(f"{OOXML}.spreadsheetml.sheet.main+xml"), content.XLSX),
        (ooxml(f"{OOXML}.presentationml.presentation.main+xml"), content.PPTX),
        (odf("application/vnd.oasis.opendocument.text"), content.ODT),
        (odf("application/vnd.oasis.opendocument.spreadsheet"), content.ODS),
        (odf("application/vnd.oasis.opendocument.presentation"), content.ODP),
    ],
)
def test_accepted_types_are_recognised_from_their_bytes(data, expected):
    stream = io.BytesIO(data)
    assert content.detect(stream) is expected
    assert stream.tell() == 0  # left at the start for storing


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><script>alert(1)</script>",
        b"MZ\x90\x00 a Windows program",
        b"PK\x03\x04 not really a zip",
        # A zip with neither manifest, and Word with macros (not an accepted type).
        ooxml("application/xml"),
        ooxml("application/vnd.ms-word.document.macroEnabled.main+xml"),
        odf("application/vnd.oasis.opendocument.graphics"),
        b"",
    ],
)
def test_other_content_is_refused(data):
    assert content.detect(io.BytesIO(data)) is None


def test_a_huge_manifest_is_not_read():
    """A zip bomb in [Content_Types].xml costs nothing: its declared size refuses it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (content.MANIFEST_MAX_BYTES + 1))
    assert content.detect(io.BytesIO(buffer.getvalue())) is None
