"""Print layout, spreadsheet and CSV downloads, and a person's own activities."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from portal.core import clock
from portal.core.downloads import CSV, XLSX, attachment, file_name
from portal.core.htmx import whole
from portal.plans import policies
from portal.plans.blueprint import bp
from portal.plans.models import ACTIVITY_STATUS_LABELS, Plan
from portal.plans.services import export
from portal.plans.services import items as item_services
from portal.plans.views.common import load_plan
from portal.plans.views.plans import plan_context


def _filename(plan: Plan, ext: str) -> str:
    return f"{file_name('handlingsplan', plan.group.name, plan.year)}.{ext}"


@bp.route("/a/<slug>/plans/<int:plan_id>/print")
def print_plan(slug: str, plan_id: int) -> Response:
    """The whole plan laid out for paper."""
    association, plan = load_plan(slug, plan_id, page=True)
    return whole("plans/print.html", **plan_context(association, plan, loaded=True))


@bp.route("/a/<slug>/plans/<int:plan_id>/export.xlsx", defaults={"ext": "xlsx"})
@bp.route("/a/<slug>/plans/<int:plan_id>/export.csv", defaults={"ext": "csv"})
def export_plan(slug: str, plan_id: int, ext: str) -> Response:
    """Goals and activities as xlsx or CSV."""
    association, plan = load_plan(slug, plan_id, page=True)
    context = plan_context(association, plan, loaded=True)
    plan = context["plan"]
    parts = export.tables(
        plan, ACTIVITY_STATUS_LABELS, policies.can_see_people(current_user, plan.group)
    )
    if ext == "xlsx":
        return attachment(export.to_xlsx(plan, parts), XLSX, _filename(plan, ext))
    return attachment(export.to_csv(parts), CSV, _filename(plan, ext))


@bp.route("/my-activities")
def my_activities() -> Response:
    """Unfinished activities the signed-in person is responsible for, overdue first."""
    today = clock.today()
    return whole(
        "plans/my_activities.html",
        items=[
            item
            for item in item_services.my_activities(current_user, today)
            if policies.can_read_plan(current_user, item.group)
        ],
        status_labels=ACTIVITY_STATUS_LABELS,
        today=today,
    )
