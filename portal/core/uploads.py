"""Requests that may carry a file larger than the app-wide ``MAX_CONTENT_LENGTH``.

A view marked with :func:`accepts_upload` gets its own body limit, set before anything
reads the form (the CSRF check does, in its own ``before_request``): a body over the
limit is refused from its ``Content-Length`` alone, without being read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

F = TypeVar("F", bound=Callable[..., Any])
# Room for the form's other fields and the multipart framing around the file.
FORM_SLACK_BYTES = 256 * 1024
_ATTRIBUTE = "portal_upload_limit_setting"


def accepts_upload(setting: str) -> Callable[[F], F]:
    """Let the view take a file of up to ``app.config[setting]`` megabytes."""

    def mark(view: F) -> F:
        setattr(view, _ATTRIBUTE, setting)
        return view

    return mark


def upload_limit_bytes(setting: str) -> int:
    """The largest file ``setting`` allows, in bytes."""
    return int(current_app.config[setting]) * 1024 * 1024


def register_upload_limits(app: Flask) -> None:
    """Raise the body limit for marked views; call before ``csrf.init_app``."""

    @app.before_request
    def _raise_limit() -> None:
        view = app.view_functions.get(request.endpoint or "")
        setting = getattr(view, _ATTRIBUTE, None)
        if setting is not None:
            request.max_content_length = upload_limit_bytes(setting) + FORM_SLACK_BYTES
