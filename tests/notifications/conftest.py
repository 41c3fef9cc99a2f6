"""The request service calls run in (the meeting and plan worlds come from tests/conftest.py)."""

from tests.request_context import request_context  # noqa: F401 - autouse here
