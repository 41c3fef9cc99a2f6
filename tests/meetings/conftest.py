"""The request every test here runs in. The meetings world is a fixture of tests/conftest.py,
built in tests/support/meetings.py."""

from tests.request_context import request_context  # noqa: F401 - autouse here
