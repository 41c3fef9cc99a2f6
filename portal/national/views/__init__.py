"""Pages of the national domain: the compilation and its downloads, the platform's
list of national network accounts, and an association's naming choice.

One blueprint (``portal.national.blueprint``); the routes live in modules by subject
and register on import, so importing this package registers them all.
"""

from __future__ import annotations

from portal.national.blueprint import bp
from portal.national.views import common, compilation, naming, network, tokens

# ``common`` holds the guard of the /platform and /national pages (a before_request hook).
__all__ = ["bp", "common", "compilation", "naming", "network", "tokens"]
