"""The surveys blueprint; the pages that register on it live in ``portal.surveys.views``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("surveys", __name__)
PREFIX = "/a/<slug>/surveys"  # the association's survey pages; a respondent's are /survey/…
