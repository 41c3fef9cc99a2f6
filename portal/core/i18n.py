"""Locale and time zone selection, and the Jinja filters for Swedish dates and numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, current_app, session
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user


def select_locale() -> str:
    """The locale chosen in this session, else the person's saved one, else Swedish."""
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


def register_filters(app: Flask) -> None:
    """Jinja filters that format in the person's locale and Stockholm time."""

    def datetime_filter(value: dt.datetime | None, fmt: str = "short") -> str:
        return "" if value is None else format_datetime(value, fmt)

    def date_filter(value: dt.date | None, fmt: str = "medium") -> str:
        return "" if value is None else format_date(value, fmt)

    def number_filter(value: Any) -> str:
        return "" if value is None else format_decimal(value)

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["number"] = number_filter
