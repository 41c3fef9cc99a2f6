"""Query parameters and pagination: a bad value is a 400 that says which and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import abort, request, url_for

from portal.core.clock import STOCKHOLM
from portal.core.errors import json_error

FIRST_YEAR, LAST_YEAR = 2000, 2100
DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 200
MAX_PAGE = 1_000_000  # documented in openapi.py; tests/api/test_parameters.py checks both


def bad_parameter(message: str) -> None:
    """Stop the request with 400 and ``message``."""
    abort(json_error(400, message))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # An empty value is no number: the document says integer (issue 19).
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        bad_parameter(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def check_year(year: int) -> int:
    """``year`` if within the years the portal keeps, else 400."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        bad_parameter(f"year must be a whole number from {FIRST_YEAR} to {LAST_YEAR}")
    return year


def year_arg() -> int:
    """``?year=``, by default the current year in Stockholm."""
    return _int_arg("year", dt.datetime.now(STOCKHOLM).year, FIRST_YEAR, LAST_YEAR)


def choice_arg(name: str, allowed: Sequence[str], default: str) -> str:
    """``?name=`` if it is one of ``allowed``, else 400."""
    value = request.args.get(name, default)
    if value not in allowed:  # also the empty value, which the document does not allow
        bad_parameter(f"{name} must be one of: {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list was asked for (``?page=1&per_page=50``)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_args() -> PageRequest:
    """``?page=`` (from 1) and ``?per_page=`` (1–200, default 50)."""
    return PageRequest(
        page=_int_arg("page", 1, 1, MAX_PAGE),
        per_page=_int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def paginated(
    items: list[dict[str, Any]], total: int, asked: PageRequest, endpoint: str, **values: Any
) -> dict[str, Any]:
    """The envelope of a list: items, page, per_page, total and links (null at the ends)."""

    def link(page: int) -> str:
        return url_for(endpoint, **values, page=page, per_page=asked.per_page, _external=True)

    last = max(1, -(-total // asked.per_page))
    return {
        "items": items,
        "page": asked.page,
        "per_page": asked.per_page,
        "total": total,
        "links": {
            "self": link(asked.page),
            "next": link(asked.page + 1) if asked.page < last else None,
            "prev": link(min(asked.page - 1, last)) if asked.page > 1 else None,
        },
    }
