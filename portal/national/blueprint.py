"""The national domain's blueprint: the compilation and an association's naming choice."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("national", __name__)
