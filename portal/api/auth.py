"""Bearer-token authentication and the per-token rate limit of the API.

Missing, unknown and revoked tokens get the same 401 with no detail, so the answer
says nothing about which tokens exist. A valid token for another association's
address gets 404, as everywhere else in the portal; so does a national network token
anywhere but the national compilation, and an association's token there.
"""

from __future__ import annotations

from flask import Response, abort, current_app, g, request
from flask_limiter.util import get_remote_address

from portal.api import services
from portal.api.models import ApiToken
from portal.core.errors import json_error

DEFAULT_RATE_LIMIT = "120 per minute;3000 per hour"
# The endpoints a national network token opens (and an association's token does not).
NATIONAL_ENDPOINTS = frozenset({"api.national_compilation"})


def presented_secret() -> str | None:
    """The secret from ``Authorization: Bearer <secret>``, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def unauthorized() -> Response:
    """401 with ``WWW-Authenticate: Bearer``; the same body whatever was wrong."""
    response = json_error(401, "Unauthorized")
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def current_token() -> ApiToken:
    """The token that authenticated this request (views run only after it did)."""
    token: ApiToken = g.api_token
    return token


def authenticate() -> Response | None:
    """Find the request's token; refuse (401) without one, 404 for another association."""
    secret = presented_secret()
    token = services.token_for_secret(secret) if secret else None
    if token is None:
        return unauthorized()
    # A national network token reads the national compilation only, an association's
    # token its association only; anything else looks absent.
    if token.national != (request.endpoint in NATIONAL_ENDPOINTS):
        abort(404)
    association_id = (request.view_args or {}).get("association_id")
    if association_id is not None and association_id != token.association_id:
        abort(404)
    services.note_use(token)
    g.api_token = token
    return None


def rate_limit() -> str:
    """The per-token limit (``API_RATE_LIMIT``, Flask-Limiter notation)."""
    return str(current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)


def rate_limit_key() -> str:
    """Count per presented token (by its hash); requests without one per address."""
    secret = presented_secret()
    if secret:
        return "api-token:" + services.hash_secret(secret)
    return "api-address:" + (get_remote_address() or "")
