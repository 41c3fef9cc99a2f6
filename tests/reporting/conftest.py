"""The plans world (association, goal areas, template, groups, people) for the reports."""

from __future__ import annotations

from tests.plans.conftest import (  # noqa: F401 - fixtures shared with the plan tests
    _fresh_login_limits,
    _request_context,
    pworld,
)
