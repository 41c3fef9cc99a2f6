"""The board summary, the group summary, the board's analysis texts and development
areas, and the redirects from the summaries' old addresses.

One blueprint (``portal.reporting.blueprint``); the routes live in modules by subject
and register on import, so importing this package registers them all.
"""

from __future__ import annotations

from portal.reporting.blueprint import bp
from portal.reporting.views import group_summary, legacy, summary, texts

__all__ = ["bp", "group_summary", "legacy", "summary", "texts"]
