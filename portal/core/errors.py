"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.response import Response as BaseResponse

# Machine clients (the JSON API) get their errors as JSON, every status alike.
JSON_ERROR_PREFIXES = ("/api/",)
# How long a client is asked to wait when the database does not answer.
RETRY_AFTER_SECONDS = 30


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


def _json_http_error(error: HTTPException) -> BaseResponse:
    """The error as JSON, keeping its headers (Allow on 405, Retry-After on 429)."""
    if error.response is not None:  # a view already built the response
        return error.response
    code = error.code or 500
    response = json_error(code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def database_away(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached (down, restarting, the
    connection cut, the pool exhausted), as opposed to a fault in what was asked."""
    if isinstance(
        error,
        sa.exc.OperationalError
        | sa.exc.InterfaceError
        | sa.exc.DisconnectionError
        | sa.exc.TimeoutError,
    ):
        return True
    return isinstance(error, sa.exc.DBAPIError) and bool(error.connection_invalidated)


def lost_race(error: BaseException) -> bool:
    """Whether ``error`` says another transaction changed the same rows first."""
    return isinstance(error, StaleDataError | sa.exc.IntegrityError)


def _forget_transaction() -> None:
    """Roll back what the request did; a connection that is gone is simply dropped."""
    from portal.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone: nothing is left to undo
        current_app.logger.debug("Rollback after a database error failed", exc_info=True)


def _locale_without_database() -> str:
    """The page's language, found without asking the database: the one this request has
    already used, the session's choice, or the signed-in person's as already loaded."""
    locales = current_app.config["PORTAL_LOCALES"]
    cached = getattr(g.get("_flask_babel"), "babel_locale", None)  # Flask-Babel's own
    chosen = str(cached) if cached is not None else session.get("locale")
    if chosen is None and "_login_user" in g:
        chosen = sa.inspect(g._login_user).dict.get("locale") if _is_mapped(g._login_user) else None
    return (
        str(chosen) if str(chosen) in locales else str(current_app.config["BABEL_DEFAULT_LOCALE"])
    )


def _is_mapped(obj: Any) -> bool:
    return sa.inspect(obj, raiseerr=False) is not None


def unavailable() -> Response:
    """503 with ``Retry-After``: a page (or, for htmx, a message to show in place) that is
    rendered without touching the database, in the person's language."""
    from flask_babel import force_locale
    from flask_login import AnonymousUserMixin

    from portal.core.htmx import is_htmx

    _forget_transaction()
    locale = _locale_without_database()
    g._login_user = AnonymousUserMixin()  # the templates must not load the person
    if wants_json_errors():
        response = json_error(503, "The database is unavailable")
    else:
        template = "errors/_unavailable.html" if is_htmx() else "errors/unavailable.html"
        with force_locale(locale):
            response = current_app.make_response((render_template(template, locale=locale), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def conflict() -> Response:
    """409 for a save that lost a race the view did not expect: nothing was saved."""
    _forget_transaction()
    if wants_json_errors():
        return json_error(409)
    return current_app.make_response((render_template("errors/error.html", code=409), 409))


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
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException | BaseResponse:
        if wants_json_errors():
            return _json_http_error(error)
        if error.code in {400, 403, 404, 405, 413, 429, 500, 503}:
            return render(error.code or 500)
        return error

    @app.errorhandler(sa.exc.SQLAlchemyError)
    def database_error(error: sa.exc.SQLAlchemyError) -> tuple[str, int] | Response:
        if database_away(error):
            app.logger.warning("Database unavailable: %s", error)
            return unavailable()
        if lost_race(error):
            app.logger.warning("A save lost a race with another transaction: %s", error)
            return conflict()
        return unhandled(error)

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError) -> Response:
        app.logger.warning("A save lost a race with another transaction: %s", error)
        return conflict()

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int] | Response:
        app.logger.exception("Unhandled error")
        _forget_transaction()
        try:
            return render(500)
        except Exception as failure:  # the page itself needed the database
            if database_away(failure):
                return unavailable()
            raise
