"""The request every test here runs in. The surveys world is a fixture of tests/conftest.py,
built in tests/support/surveys.py."""

import functools
from typing import Any

import pytest

from tests.request_context import request_context  # noqa: F401 - autouse here


@pytest.fixture
def view_calls(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The submits the Flask view answered (the fast path did not record them)."""
    calls: list[str] = []
    view = app.view_functions["surveys.respond_submit"]

    @functools.wraps(view)  # the same name: the view stays exempt from the session's CSRF
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["slot"])
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "surveys.respond_submit", counted)
    return calls
