"""Pages of the privacy domain: statements, personal data rights, retention rules.

One blueprint (``portal.privacy.blueprint``); the routes live in modules by subject and
register on import, so importing this package registers them all.
"""

from __future__ import annotations

from portal.privacy.blueprint import bp
from portal.privacy.views import common, people, retention, statements

# ``common`` holds the guard of the /platform pages (a before_request hook).
__all__ = ["bp", "common", "people", "retention", "statements"]
