"""The meeting and plan worlds, and the request service calls run in."""

from tests.meetings.conftest import mworld  # noqa: F401 - fixture
from tests.plans.conftest import pworld  # noqa: F401 - fixture
from tests.request_context import request_context  # noqa: F401 - autouse here
