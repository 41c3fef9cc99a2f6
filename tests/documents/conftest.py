"""Documents reuse the meetings' world: a group with a leader, members, and outsiders."""

from __future__ import annotations

import io
import zipfile

from tests.request_context import request_context  # noqa: F401 - autouse here
from tests.support.meetings import MeetingWorld, make_meeting

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OOXML = "application/vnd.openxmlformats-officedocument"


def ooxml(main: str) -> bytes:
    """A zip as Office writes it: [Content_Types].xml naming the main part's type."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/main.xml" ContentType="{main}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", manifest)
        archive.writestr("main.xml", "<x/>")
    return buffer.getvalue()


def odf(mimetype: str) -> bytes:
    """A zip as LibreOffice writes it: an uncompressed ``mimetype`` entry first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


__all__ = ["PDF_BYTES", "PNG_BYTES", "MeetingWorld", "make_meeting", "odf", "ooxml"]
