"""Sign-in required by default, and the security headers on every response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

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


def register_security(app: Flask) -> None:
    """Require sign-in for every endpoint not marked ``@public``; set security headers."""

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
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["PORTAL_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and current_user.is_authenticated:
            headers.setdefault("Cache-Control", "no-store")
        return response
