"""The request every test here runs in. The plans world is a fixture of tests/conftest.py,
built in tests/support/plans.py."""

from tests.request_context import request_context  # noqa: F401 - autouse here
