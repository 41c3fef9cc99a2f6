"""The privacy domain's blueprint: public statements, extracts, erasure, retention rules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__)
