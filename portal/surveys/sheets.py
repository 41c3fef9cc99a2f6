"""What an issued batch of participant codes is handed out as: a PDF sheet of cut-out
slips with QR codes, or a plain list (CSV) for a partner.

Made in the response to the issuing request only: the codes are not stored in clear
anywhere, so neither can be made again. The PDF is written here (PDF 1.4, the standard
Helvetica fonts in WinAnsi encoding, rectangles for the QR modules from ``segno``'s
matrix) rather than by a library: a few rectangles and lines of text need no more.
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import segno

from portal.core.export import safe
from portal.core.pdf import pdf_file

A4 = (595.28, 841.89)
COLUMNS, ROWS = 2, 4  # slips per page: 8
MARGIN = 28.0
QR_MODULE = 2.6  # points per module: a version 4 code is about 3 cm wide with its border
QR_BORDER = 4  # the quiet zone the standard asks for, in modules
FONT, BOLD = "F1", "F2"


@dataclass(frozen=True)
class Slip:
    """One code as printed: whose survey, where to go, the code and the QR's address."""

    association: str
    survey: str
    group: str
    address: str  # the entry page, to type
    address_label: str
    code: str  # as printed, XXXX-XXXX-XXXX
    code_label: str
    qr_url: str  # the entry page with the code filled in


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code of ``url`` (error correction M, no border), dark modules True."""
    qr = segno.make(url, error="m", micro=False, boost_error=False)
    return [[bool(m) for m in row] for row in qr.matrix]


def _text(value: str) -> str:
    """A PDF string literal in WinAnsi encoding (what it cannot spell becomes ?)."""
    raw = value.encode("cp1252", errors="replace")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return "(" + escaped.decode("latin-1") + ")"


def _fit(value: str, size: float, width: float) -> str:
    """``value`` shortened with an ellipsis to about ``width`` points of Helvetica."""
    limit = max(4, int(width / (size * 0.5)))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _qr_ops(matrix: list[list[bool]], x: float, y: float) -> list[str]:
    """The QR's dark modules as rectangles: one ``re`` per run of a row, in module
    units under a ``cm`` that scales and places them (row 0 at the top)."""
    size = len(matrix)
    ops = ["q", f"{QR_MODULE:.2f} 0 0 {QR_MODULE:.2f} {x:.2f} {y:.2f} cm", "% qr"]
    for row_index, row in enumerate(matrix):
        column = 0
        while column < size:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < size and row[column]:
                column += 1
            ops.append(f"{start} {size - 1 - row_index} {column - start} 1 re")
    ops += ["f", "Q"]
    return ops


def _slip_ops(slip: Slip, x: float, y: float, width: float, height: float) -> list[str]:
    """A slip's drawing, its lower left corner at (x, y)."""
    ops = [
        "q 0.6 G 0.5 w [4 3] 0 d",
        f"{x:.2f} {y:.2f} {width:.2f} {height:.2f} re S Q",
    ]
    matrix = qr_matrix(slip.qr_url)
    qr_side = (len(matrix) + 2 * QR_BORDER) * QR_MODULE
    qr_x = x + width - qr_side - 6 + QR_BORDER * QR_MODULE
    qr_y = y + (height - qr_side) / 2 + QR_BORDER * QR_MODULE
    text_width = width - qr_side - 20
    left, top = x + 14, y + height - 26
    lines = [
        (BOLD, 10, slip.association),
        (FONT, 9, slip.survey),
        (FONT, 9, slip.group),
    ]
    for index, (font, size, value) in enumerate(lines):
        ops.append(
            f"BT /{font} {size} Tf {left:.2f} {top - 13 * index:.2f} Td"
            f" {_text(_fit(value, size, text_width))} Tj ET"
        )
    ops.append(f"BT /{FONT} 8 Tf {left:.2f} {y + 84:.2f} Td {_text(slip.address_label)} Tj ET")
    ops.append(
        f"BT /{BOLD} 9 Tf {left:.2f} {y + 72:.2f} Td"
        f" {_text(_fit(slip.address, 9, text_width))} Tj ET"
    )
    ops.append(f"BT /{FONT} 8 Tf {left:.2f} {y + 50:.2f} Td {_text(slip.code_label)} Tj ET")
    ops.append(f"BT /{BOLD} 16 Tf {left:.2f} {y + 32:.2f} Td {_text(slip.code)} Tj ET")
    ops += _qr_ops(matrix, qr_x, qr_y)
    return ops


def _page_ops(slips: Sequence[Slip]) -> bytes:
    width = (A4[0] - 2 * MARGIN) / COLUMNS
    height = (A4[1] - 2 * MARGIN) / ROWS
    ops: list[str] = []
    for index, slip in enumerate(slips):
        column, row = index % COLUMNS, index // COLUMNS
        x = MARGIN + column * width
        y = A4[1] - MARGIN - (row + 1) * height
        ops += _slip_ops(slip, x, y, width, height)
    return "\n".join(ops).encode("latin-1")


def code_sheet_pdf(slips: Sequence[Slip], title: str) -> bytes:
    """A4 pages of cut-out slips, eight to a page, one per code."""
    per_page = COLUMNS * ROWS
    pages = [slips[i : i + per_page] for i in range(0, len(slips), per_page)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _text(title).encode("latin-1") + b" /Producer (Samverkansportalen) >>",
    ]
    kids = []
    for page in pages:
        content = zlib.compress(_page_ops(page))
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content
            + b"\nendstream"
        )
        kids.append(len(objects) + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f]"
            b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (A4[0], A4[1], len(objects))
        )
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return pdf_file(objects, info=5)


def code_list_csv(header: Sequence[str], slips: Sequence[Slip]) -> str:
    """The plain list: one row per code (group, code, entry page, the page with the
    code filled in), semicolon-separated as Swedish spreadsheets read it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe(h) for h in header])
    for slip in slips:
        writer.writerow([safe(slip.group), safe(slip.code), slip.address, slip.qr_url])
    return "\ufeff" + buffer.getvalue()
