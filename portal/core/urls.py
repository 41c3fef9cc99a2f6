"""Absolute addresses for what leaves the portal: e-mail, calendar feeds, exports."""

from __future__ import annotations

from typing import Any

from flask import current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    """``PORTAL_BASE_URL`` and the endpoint's path (and query).

    Built from the URL map, not the request, so a link reads the same whether a
    page, the command line or the mail worker makes it.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return str(current_app.config["PORTAL_BASE_URL"]).rstrip("/") + path
