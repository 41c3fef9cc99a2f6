"""The file structure of a small PDF: numbered objects, the cross-reference table and the
trailer. Callers build the objects (pages, fonts, content streams); object 1 must be
the document catalog. Used by the participant code sheets and the demo's agenda file.
"""

from __future__ import annotations


def pdf_file(objects: list[bytes], info: int | None = None) -> bytes:
    """The PDF whose objects are ``objects`` (numbered from 1, in order); ``info`` is
    the number of the document information object, if there is one."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    extra = b" /Info %d 0 R" % info if info is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        extra,
        xref,
    )
    return bytes(out)
