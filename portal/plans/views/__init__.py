"""Pages for goal areas, the plan template and the groups' action plans.

One blueprint (``portal.plans.blueprint``); the routes live in modules by subject
and register on import, so importing this package registers them all.
"""

from __future__ import annotations

from portal.plans.blueprint import bp
from portal.plans.views import goal_areas, items, outputs, plans, templates

__all__ = ["bp", "goal_areas", "items", "outputs", "plans", "templates"]
