"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

# Machine clients (the JSON API) get their errors as JSON, every status alike.
JSON_ERROR_PREFIXES = ("/api/",)


class DomainError(Exception):
    """A rule of the domain was broken; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def json_error(code: int, message: str | None = None) -> Response:
    """``{"error": {"status": 404, "message": "Not Found"}}`` with that status."""
    body = {"error": {"status": code, "message": message or HTTP_STATUS_CODES.get(code, "Error")}}
    response = jsonify(body)
    response.status_code = code
    return response


def wants_json_errors() -> bool:
    """Whether this request's errors are answered in JSON (the API's paths)."""
    return request.path.startswith(JSON_ERROR_PREFIXES)


def _json_http_error(error: HTTPException) -> Response:
    """The error as JSON, keeping its headers (Allow on 405, Retry-After on 429)."""
    if error.response is not None:  # a view already built the response
        return error.response  # type: ignore[return-value]
    code = error.code or 500
    response = json_error(code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_pages(app: Flask) -> None:
    """Render Swedish (localised) error pages for the common HTTP errors."""

    def render(code: int, reason: str | None = None) -> tuple[str, int] | Response:
        if wants_json_errors():
            return json_error(code)
        return render_template("errors/error.html", code=code, reason=reason), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        return render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException | Response:
        if wants_json_errors():
            return _json_http_error(error)
        if error.code in {400, 403, 404, 405, 413, 429, 500, 503}:
            return render(error.code or 500)
        return error

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int] | Response:
        app.logger.exception("Unhandled error")
        return render(500)
