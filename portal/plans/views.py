"""Action plan pages (being built: see issue 3)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/a/<slug>")
