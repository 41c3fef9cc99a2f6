"""The request that service calls in tests run inside.

Services translate their messages, which needs a request (the locale comes from it).
A package's conftest imports the fixture to make it automatic for its tests; a module
that needs no request defines its own ``_request_context`` to override it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True, name="_request_context")
def request_context(app: Any, db_session: Any) -> Iterator[None]:
    with app.test_request_context("/"):
        yield
