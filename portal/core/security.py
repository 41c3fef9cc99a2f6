"""Sign-in required by default, and the security headers on every response."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

# Primary keys are INTEGER columns; a larger id in a URL names no row, and SQLite and
# PostgreSQL would fail on it (overflow, out of range) instead of finding nothing.
MAX_ID = 2**31 - 1

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def public(view: F) -> F:
    """Mark a view as reachable without signing in. The url_map test lists every one."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def token_guarded(blueprint: Blueprint) -> Blueprint:
    """Mark a blueprint whose views authenticate with a bearer token, not the session.

    Sign-in is not asked for there; the blueprint's own ``before_request`` must refuse
    every request without a valid token (tests/test_security.py checks each endpoint).
    """
    blueprint.is_token_guarded = True  # type: ignore[attr-defined]
    return blueprint


def _has_nul(value_lists: Iterable[list[str]]) -> bool:
    return any("\x00" in value for values in value_lists for value in values)


def _return_path() -> str | None:
    """Where to come back to after signing in.

    A GET comes back to itself. A form posted after the session ended comes back to
    the page the form was on (a POST-only address would answer 405).
    """
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = request.headers.get("HX-Current-URL") or request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_safe_next(path) else None


def security_headers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The headers every response carries unless its view set its own (the WSGI fast
    path of the survey submit, ``surveys.views.fastpath``, sends them as well)."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if config["PORTAL_ENV"] == "production":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def register_security(app: Flask) -> None:
    """Require sign-in for every endpoint not marked ``@public``, refuse input no view can
    use, and set the security headers."""

    @app.before_request
    def _require_login() -> Any:
        endpoint = request.endpoint
        if endpoint is None:
            return None  # 404 follows
        if endpoint == "static":
            return None
        view = app.view_functions.get(endpoint)
        if getattr(view, "is_public", False):
            return None
        if getattr(app.blueprints.get(request.blueprint or ""), "is_token_guarded", False):
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=_return_path()))
        return None

    @app.before_request
    def _refuse_impossible_input() -> None:
        """404 for ids no row can have and for NUL bytes in the path (no slug or token
        has one, and PostgreSQL refuses them in a query); 400 for NUL bytes in input."""
        for value in (request.view_args or {}).values():
            if isinstance(value, int) and not 0 < value <= MAX_ID:
                abort(404)
            if isinstance(value, str) and "\x00" in value:
                abort(404)
        if request.endpoint != "static" and _has_nul(
            chain(request.args.listvalues(), request.form.listvalues())
        ):
            abort(400)

    defaults = security_headers(app.config)

    @app.after_request
    def _headers(response: Response) -> Response:
        """Each header unless the view set its own: the names present are read once
        (one ``setdefault`` per header walked the whole list each time)."""
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers
        headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
        if (
            "cache-control" not in present
            and request.endpoint != "static"
            and current_user.is_authenticated
        ):
            headers["Cache-Control"] = "no-store"
        return response


def is_safe_next(target: str | None) -> bool:
    """Whether ``target`` is a same-site path (``/x``), safe to redirect to.

    Browsers read a backslash as a slash and drop tabs and newlines, so ``/\\evil``
    and ``/\\t/evil`` would lead off-site just like ``//evil``: any of them is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch.isspace() or not ch.isprintable() for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
