"""Pages of the national domain: the compilation and its downloads, the platform's
list of national network accounts, and an association's naming choice.

One blueprint (``portal.national.blueprint``); the routes live in modules by subject
and register on import, so importing this package registers them all. ``api`` adds
the compilation's endpoint to the API's blueprint.
"""

from __future__ import annotations

from portal.national.blueprint import bp
from portal.national.views import api, common, compilation, naming, network, tokens

# ``common`` holds the guard of the /platform and /national pages (a before_request hook).
__all__ = ["api", "bp", "common", "compilation", "naming", "network", "tokens"]
