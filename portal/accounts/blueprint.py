"""The accounts blueprint: sign-in, sign-out, passwords, sessions and two-factor."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)
