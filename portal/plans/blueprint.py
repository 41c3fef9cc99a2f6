"""The plans blueprint; the pages that register on it live in ``portal.plans.views``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__)
