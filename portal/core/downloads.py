"""Files people download: one Content-Type, and names that keep their Swedish letters.

The name is sent twice (RFC 6266): ``filename*=UTF-8''…`` with the real name, which
every current browser uses, and a plain ``filename="…"`` for old clients, with the
letters spelt without their marks (``gävle`` → ``gavle``) rather than dropped.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"  # Werkzeug adds "; charset=utf-8" to text types: never write it twice


def file_name(*parts: str | int) -> str:
    """The parts joined by hyphens, lower case, Swedish letters kept, nothing else odd."""
    text = "-".join(str(p) for p in parts if str(p))
    return re.sub(r"[^\w]+|_", "-", text.lower()).strip("-")


def ascii_name(name: str) -> str:
    """The same name for clients that only read ASCII: marks removed, not letters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", plain).strip("-") or "download"


def attachment(body: bytes | str, mimetype: str, name: str) -> Response:
    """A download of ``body`` saved as ``name`` (with its extension)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return response
