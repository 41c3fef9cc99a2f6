"""The request every test here runs in. The reporting world is a fixture of tests/conftest.py,
built in tests/support/reporting.py."""

from tests.request_context import request_context  # noqa: F401 - autouse here
