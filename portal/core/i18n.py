"""Locale and time zone selection, and the Jinja filters for Swedish dates and numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


def select_locale() -> str:
    """The locale chosen in this session, else the person's saved one, else Swedish.

    Outside a request (the command line: demo load, mail send, closing rounds) the
    default, so what those write in words is written in Swedish."""
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    locales = current_app.config["PORTAL_LOCALES"]
    chosen = session.get("locale")
    if chosen in locales:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return str(current_user.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    """Everyone sees Stockholm time; storage is UTC."""
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def datetime_filter(value: dt.datetime | None, fmt: str = "short") -> str:
    """The ``datetime`` template filter: Stockholm time in the person's locale."""
    return "" if value is None else format_datetime(value, fmt)


def date_filter(value: dt.date | None, fmt: str = "medium") -> str:
    """The ``date`` template filter, in the person's locale."""
    return "" if value is None else format_date(value, fmt)


def number_filter(value: Any) -> str:
    """The ``number`` template filter: digits grouped as the locale groups them."""
    return "" if value is None else format_decimal(value)


def bound_gettext() -> dict[str, Any]:
    """Jinja's ``gettext`` and ``ngettext`` with the translations looked up once per
    rendered template, for the app's context processor: templates' ``_()`` use these.
    Looked up as the template is rendered, so ``force_locale`` (mail in the
    recipient's language) is respected.

    Flask-Babel's own look the translations up on every call (walking the request
    context three times), which was a fifth of the board summary's rendering. They
    behave as Jinja's new-style ones do: the text is escaped like any other when
    autoescaping is on, and always %-formatted with the given variables (``num`` too
    for ``ngettext``).
    """
    translations = get_translations()

    @pass_context
    def gettext(__context: Context, __string: str, **variables: Any) -> str:
        text = translations.ugettext(__string)
        if __context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue, as Jinja trusts it
        return text % variables

    @pass_context
    def ngettext(
        __context: Context, __singular: str, __plural: str, __num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", __num)
        text = translations.ungettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue, as Jinja trusts it
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}
