"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain was broken; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def register_error_pages(app: Flask) -> None:
    """Render Swedish (localised) error pages for the common HTTP errors."""

    def render(code: int, reason: str | None = None) -> tuple[str, int]:
        return render_template("errors/error.html", code=code, reason=reason), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code in {400, 403, 404, 405, 413, 429, 500, 503}:
            return render(error.code or 500)
        return error

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int]:
        app.logger.exception("Unhandled error")
        return render(500)
