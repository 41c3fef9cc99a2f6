"""The documents blueprint; the pages that register on it live in ``portal.documents.views``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/a/<slug>")
