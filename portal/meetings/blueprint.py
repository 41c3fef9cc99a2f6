"""The meetings blueprint; the pages that register on it live in ``portal.meetings.views``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/a/<slug>")
