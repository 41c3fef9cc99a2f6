"""The reporting blueprint; the pages that register on it live in ``portal.reporting.views``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reporting", __name__)
