"""The survey submit's common case, recorded in front of Flask (WSGI middleware).

A round's submits come in thousands within days, and each is the same request: a
respondent confirming the answers the review page showed. Through Flask's request,
its hooks and the view, a submit cost the app about twice the work it does (the
cookie, the CSRF token, the answers' check, the seal, one statement): see
``make bench`` and the README's "Performance". ``FastSubmit`` takes that request
before Flask does, the way ``portal.core.assets.StaticFiles`` takes the static files.

It tries only a POST to ``/survey/s/<slot>/submit`` with a form body of at most
``MAX_BODY`` bytes, no NUL byte, a valid slot cookie with its hints
(``views.slots``) and that cookie's CSRF token, and hands it to
``answering.fast.try_submit``, which records it in one statement or writes nothing.
Every other request, and every submit it did not record, goes on to Flask unchanged
(its body handed on), which finds out why and decides what the respondent sees. So
the fast path only ever answers with what the Flask view answers when it records a
submit: the redirect to the receipt, with the same headers (the tests compare the
two responses, ``tests/surveys/test_fastpath.py``).

As a server calls the app there is no app context, and the fast path pushes none for a
round the worker keeps (``answering.fast.kept``): its statement goes to a connection it
keeps open in autocommit (``portal.core.direct.Kept``), and it reads the slot cookie and
the form with readers of its own, each tested against the library's (itsdangerous,
``parse_qsl``). Under an app context pushed already (a test's), it uses the request's
connection and transaction, as Flask's view would.

Set ``SURVEY_FAST_SUBMIT = False`` to send every submit through Flask.
"""

from __future__ import annotations

import html
import io
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from werkzeug.http import parse_cookie

from portal.core import direct
from portal.core.security import security_headers
from portal.core.transactions import without_transaction
from portal.extensions import db
from portal.surveys.answering import fast
from portal.surveys.views import slots
from portal.surveys.views.respond import PRIVATE_HEADERS, RESPONDENT_PAGES

SUBMIT = "/submit"
MAX_BODY = 64 * 1024  # a review page's form is a few kilobytes; larger goes to Flask
MAX_FIELDS = 1000  # as Flask's form parser (MAX_FORM_PARTS)
FORM = "application/x-www-form-urlencoded"
SLOT = re.compile(r"[A-Za-z0-9_-]{1,64}")
# What Flask's after-request hooks add to the receipt's redirect besides the security
# and private headers: htmx's (``portal.core.htmx.vary_on_htmx``) and Flask-Compress's.
VARY = ("Vary", "HX-Request, Accept-Encoding")

# werkzeug.utils.redirect's body.
REDIRECT_BODY = (
    "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
    "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: "
    '<a href="{location}">{location}</a>. If not, click the link.\n'
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FastSubmit:
    """WSGI middleware: records a respondent's submit when it can, passes on the rest."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._postgresql: list[direct.Kept] | None = None  # its connections, once known
        self._first = threading.Lock()
        own = [*PRIVATE_HEADERS, VARY]
        names = {name.lower() for name, _value in own}
        self.headers = own + [
            (name, value)
            for name, value in security_headers(app.config)
            if name.lower() not in names
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path: str = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or not path.startswith(RESPONDENT_PAGES)
            or not path.endswith(SUBMIT)
            or not self.app.config["SURVEY_FAST_SUBMIT"]
        ):
            return self.wsgi_app(environ, start_response)
        slot = path[len(RESPONDENT_PAGES) : -len(SUBMIT)]
        body = _form_body(environ)
        if body is not None and SLOT.fullmatch(slot) and self._recorded(environ, slot, body):
            location = f"{environ.get('SCRIPT_NAME', '')}{RESPONDENT_PAGES}{slot}/receipt"
            return self._redirect(start_response, location)
        return self.wsgi_app(environ, start_response)

    def _redirect(self, start_response: Callable[..., Any], location: str) -> list[bytes]:
        """The receipt's redirect, as Flask's ``redirect`` words it (the slot is
        URL-safe: the address needs no quoting)."""
        body = REDIRECT_BODY.format(location=html.escape(location)).encode()
        start_response(
            "302 FOUND",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Location", location),
                *self.headers,
            ],
        )
        return [body]

    def _recorded(self, environ: dict[str, Any], slot: str, body: bytes) -> bool:
        """Whether this submit is now recorded (False: nothing was written)."""
        secret = self.app.config["SECRET_KEY"]
        value = parse_cookie(environ.get("HTTP_COOKIE", "")).get(slots.SLOT_COOKIE)
        cookie = slots.load(secret, value, slot)
        round_id = None if cookie is None else cookie.round_id
        if cookie is None or round_id is None:  # a cookie without hints: Flask's view
            return False
        form = _form(body)
        if form is None or not slots.csrf_matches(secret, value, form.get("csrf_token", "")):
            return False
        try:
            if has_app_context() and current_app.name == self.app.name:
                return self._in_context(cookie, round_id, form)
            return self._before_flask(cookie, round_id, form)
        except sa.exc.DBAPIError:
            # Nothing was written (the round closed meanwhile, the database is away):
            # Flask's view finds out which and says so.
            return False
        except Exception:  # a fault here must not cost the submit: Flask takes it
            self.app.logger.exception("The survey submit's fast path failed")
            return False

    def _before_flask(self, cookie: slots.SlotCookie, round_id: int, form: dict[str, str]) -> bool:
        """As a server calls the app: no app context. The statement goes to one of the
        connections the fast path keeps, in autocommit; an app context is pushed only to
        read a round this worker does not keep yet (its questions are read through the
        session)."""
        kept = self.connections()
        if kept is None:  # not PostgreSQL: Flask's view records every submit
            return False
        with kept.connection() as driver:
            if fast.kept(round_id) is None:
                with self.app.app_context():
                    fast.open_round(driver, round_id)
            return fast.try_submit(driver, cookie.token, round_id, cookie.group_id, form)

    def _in_context(self, cookie: slots.SlotCookie, round_id: int, form: dict[str, str]) -> bool:
        """An app context of this app is pushed already (a test's, a CLI command's):
        the request's connection as Flask's view would have it (a test's session keeps
        its transaction, which is committed here when the submit is recorded)."""
        try:
            without_transaction()
            driver = direct.connection()
            if driver is None:
                return False
            recorded = fast.try_submit(driver, cookie.token, round_id, cookie.group_id, form)
        except sa.exc.DBAPIError:
            if not direct.autocommitting():
                db.session.rollback()
            raise
        else:
            if recorded and not direct.autocommitting():
                db.session.commit()
            return recorded
        finally:
            direct.release()

    def connections(self) -> direct.Kept | None:
        """The connections the fast path keeps, if the app's database is PostgreSQL;
        the engine is read once, in an app context (under a lock: a threaded server's
        first submits may come at once, and only one ``Kept`` may be made)."""
        if self._postgresql is None:
            with self._first, self.app.app_context():
                if self._postgresql is None:
                    engine = db.engine
                    postgresql = engine.dialect.name == direct.POSTGRESQL
                    self._postgresql = [direct.Kept(engine)] if postgresql else []
        return self._postgresql[0] if self._postgresql else None


def _form_body(environ: dict[str, Any]) -> bytes | None:
    """The request's form body, read and put back for Flask; None (and nothing read)
    unless it is a form of a known length up to ``MAX_BODY``."""
    if not environ.get("CONTENT_TYPE", "").startswith(FORM):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body: bytes = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _form(body: bytes) -> dict[str, str] | None:
    """The form's fields, each name's first value, as ``urllib.parse.parse_qsl`` reads
    them (and Flask's form parser); None for a body Flask should judge (not UTF-8, too
    many fields, a NUL byte: Flask answers 400). Only a field with ``%`` or ``+`` is
    unquoted: most of a review form's are plain (the tests compare it with parse_qsl)."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return None
    fields = text.split("&")
    if len(fields) > MAX_FIELDS:
        return None
    form: dict[str, str] = {}
    for field in fields:
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in name or "+" in name:
            name = urllib.parse.unquote_plus(name)
        if "%" in value or "+" in value:
            value = urllib.parse.unquote_plus(value)
        if "\x00" in name or "\x00" in value:
            return None
        form.setdefault(name, value)
    return form
