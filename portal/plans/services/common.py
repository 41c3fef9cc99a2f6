"""Errors, number parsing and the change record shared by the plan services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.plans.models import Plan, PlanChange, PlanStatus


def check_year(plan: Plan, day: dt.date | None, field: str = "due_date") -> None:
    """A date in a plan must fall within the plan's year."""
    if day is not None and day.year != plan.year:
        raise DomainError(
            _("The date must be within the plan year %(year)d.", year=plan.year), field=field
        )


def record_change(
    actor: User | None,
    plan: Plan,
    action: str,
    obj: Any,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Log a change in the audit log and the plan's history; an adopted plan becomes revised."""
    after_adoption = plan.status is not PlanStatus.DRAFT
    if plan.status is PlanStatus.ADOPTED and action != "plan.adopt":
        plan.status = PlanStatus.REVISED
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        association_id=plan.association_id,
        summary=f"{plan.group.name} {plan.year}: {summary}",
        before=before,
        after=after,
    )
    db.session.add(
        PlanChange(
            plan_id=plan.id,
            actor_id=actor.id if actor is not None else None,
            action=action,
            summary=summary[:300],
            after_adoption=after_adoption,
            before=before,
            after=after,
        )
    )
