"""The group summary: one printable page per group and year, and its downloads.

Every figure comes from ``portal.reporting.services.summary.group_summary``; the page,
the xlsx and the CSV render the same ``GroupSummary``.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.downloads import file_name
from portal.plans.models import ACTIVITY_STATUS_LABELS, ActivityStatus
from portal.reporting import policies
from portal.reporting.blueprint import bp
from portal.reporting.services import tables
from portal.reporting.services import tables as labels
from portal.reporting.services.period import Period
from portal.reporting.services.summary import group_summary
from portal.reporting.views.common import (
    chosen_year,
    current_year,
    download,
    load_group,
    require_year,
)


@bp.route("/a/<slug>/groups/<int:group_id>/summary/<int:year>")
def group_page(slug: str, group_id: int, year: int) -> str:
    """One printable page per group and year for the agencies' staff."""
    association, group = load_group(slug, group_id)
    require_year(year)
    result = group_summary(group, year)
    return render_template(
        "reporting/group_summary.html",
        group=group,
        association=association,
        summary=result,
        year=year,
        period=Period(year),
        years=sorted({current_year(), year, year - 1, year - 2}, reverse=True),
        status_labels=ACTIVITY_STATUS_LABELS,
        statuses=list(ActivityStatus),
        assessment_labels=labels.assessment_labels(),
        plan_status_labels=labels.plan_status_labels(),
        can_read_board_summary=policies.can_read_board_summary(current_user, association.id),
    )


@bp.route("/a/<slug>/groups/<int:group_id>/summary")
def group_choose(slug: str, group_id: int) -> Response:
    """The group summary's year picker: on to the year asked for."""
    association, group = load_group(slug, group_id)
    year = chosen_year(request.args.get("year", type=int))
    target = url_for(".group_page", slug=association.slug, group_id=group.id, year=year)
    return redirect(target, 303)


@bp.route(
    "/a/<slug>/groups/<int:group_id>/summary/<int:year>/export.xlsx", defaults={"ext": "xlsx"}
)
@bp.route("/a/<slug>/groups/<int:group_id>/summary/<int:year>/export.csv", defaults={"ext": "csv"})
def export_group(slug: str, group_id: int, year: int, ext: str) -> Response:
    """Every table of the group summary."""
    _, group = load_group(slug, group_id)
    require_year(year)
    with force_locale("sv"):
        parts = tables.group_tables(group_summary(group, year))
    return download(f"{group.name} {year}", parts, file_name("grupp", group.name, year), ext)
