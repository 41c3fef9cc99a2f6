"""The board summary, its print layout and downloads, and the group summary.

Every figure comes from ``portal.reporting.summary``; the page, the print layout,
the xlsx and the CSV all render the same ``BoardSummary`` (or ``GroupSummary``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from portal.core import export
from portal.core.clock import STOCKHOLM
from portal.core.downloads import CSV, XLSX, attachment, file_name
from portal.core.loaders import require
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import ACTIVITY_STATUS_LABELS, ActivityStatus
from portal.reporting import cells, development, policies, texts
from portal.reporting import tables as labels
from portal.reporting.period import FIRST_YEAR, LAST_YEAR, Period
from portal.reporting.summary import BoardSummary, board_summary, group_summary
from portal.reporting.survey import percent
from portal.reporting.trends import Trend

bp = Blueprint("reporting", __name__)
SECTIONS = ("summary", "plans", "meetings", "survey", "trends")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"percent": percent, "short_reason": labels.short_reason}


bp.add_app_template_global(cells.Cells, "figure_cells")  # templates/reporting/_figures.html


def _association(association_id: int) -> Association:
    association = db.session.get(Association, association_id)
    if association is None:
        abort(404)
    require(policies.can_read_board_summary(current_user, association.id))
    return association


def _period(year: int) -> Period:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return Period.parse(year, request.args.get("period"))


def current_year() -> int:
    return dt.datetime.now(STOCKHOLM).year


def offered_years(trends: list[Trend], year: int) -> list[int]:
    """Years on record in any trend, this year and the one shown, newest first."""
    found = {y for t in trends for y in t.years}
    return sorted({*found, current_year(), year}, reverse=True)


def chart_of(trend: Trend) -> Any:
    """A trend as a chart; shares rounded to whole per cent as in the tables."""
    from portal.reporting.charts import Chart, Series

    def value(v: float | None) -> float | None:
        if v is None or trend.unit != "%":
            return v
        return (percent(v) or 0) / 100

    return Chart(
        id=trend.id,
        title=trend.title,
        x_labels=[str(y) for y in trend.years],
        series=[Series(s.name, [value(v) for v in s.values]) for s in trend.series],
        unit=trend.unit,
        y_max=1.0 if trend.unit == "%" else None,
        kind="line" if trend.unit == "%" else "bar",
    )


def _extras(association: Association, summary: BoardSummary) -> dict[str, Any]:
    """The admins' analysis texts and development areas, and what an admin may carry."""
    period = summary.period
    can_edit = policies.can_write_analysis(current_user, association.id)
    choices = development.carry_choices(
        association.id, period.year, summary.groups, summary.plans.next_goal_areas
    )
    return {
        "analyses": texts.analyses(association.id, period.year, period.kind),
        "areas": development.development_areas(association.id, period.year),
        "choices": choices if can_edit else None,
        "can_edit_texts": can_edit,
    }


def _context(association: Association, summary: BoardSummary) -> dict[str, Any]:
    period = summary.period
    return {
        "association": association,
        "summary": summary,
        "period": period,
        "charts": [chart_of(t) for t in summary.trends],
        "years": offered_years(summary.trends, period.year),
        "status_labels": ACTIVITY_STATUS_LABELS,
        "statuses": list(ActivityStatus),
        "assessment_labels": labels.assessment_labels(),
        "plan_status_labels": labels.plan_status_labels(),
        **_extras(association, summary),
    }


@bp.route("/associations/<int:association_id>/reports")
def choose(association_id: int) -> Response:
    """The year and period picker's target: on to the summary asked for (or this year's)."""
    association = _association(association_id)
    year = request.args.get("year", type=int) or current_year()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        year = current_year()
    kind = "h1" if request.args.get("period") == "h1" else "year"
    return redirect(url_for(".summary", association_id=association.id, year=year, period=kind), 303)  # type: ignore[return-value]


@bp.route("/associations/<int:association_id>/reports/<int:year>")
def summary(association_id: int, year: int) -> str:
    """The board summary for a year or its first half (``?period=year|h1``)."""
    association = _association(association_id)
    result = board_summary(association, _period(year))
    return render_template("reporting/summary.html", **_context(association, result))


@bp.route("/associations/<int:association_id>/reports/<int:year>/print")
def print_summary(association_id: int, year: int) -> str:
    """The whole board summary laid out for A4 paper."""
    association = _association(association_id)
    result = board_summary(association, _period(year))
    return render_template("reporting/print.html", **_context(association, result))


def download(title: str, parts: list[export.Table], filename: str, ext: str) -> Response:
    """The tables as one xlsx workbook (a sheet per table) or one CSV file."""
    if ext == "xlsx":
        return attachment(export.to_xlsx(title, parts), XLSX, f"{filename}.{ext}")
    return attachment(export.to_csv(parts), CSV, f"{filename}.{ext}")


@bp.route(
    "/associations/<int:association_id>/reports/<int:year>/export.xlsx", defaults={"ext": "xlsx"}
)
@bp.route(
    "/associations/<int:association_id>/reports/<int:year>/export.csv", defaults={"ext": "csv"}
)
def export_summary(association_id: int, year: int, ext: str) -> Response:
    """Every table of the board summary; headers in Swedish whatever the page language."""
    association = _association(association_id)
    period = _period(year)
    with force_locale("sv"):
        result = board_summary(association, period)
        parts = result.tables()
        title = f"{association.name} {year}{' H1' if period.half else ''}"
    name = file_name("sammanställning", association.name, year, "h1" if period.half else "")
    return download(title, parts, name, ext)


def _group(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        abort(404)
    require(policies.can_read_group_summary(current_user, group))
    return group


@bp.route("/groups/<int:group_id>/summary/<int:year>")
def group_page(group_id: int, year: int) -> str:
    """One printable page per group and year for the agencies' staff."""
    group = _group(group_id)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    result = group_summary(group, year)
    return render_template(
        "reporting/group_summary.html",
        group=group,
        association=group.association,
        summary=result,
        year=year,
        period=Period(year),
        years=sorted({current_year(), year, year - 1, year - 2}, reverse=True),
        status_labels=ACTIVITY_STATUS_LABELS,
        statuses=list(ActivityStatus),
        assessment_labels=labels.assessment_labels(),
        plan_status_labels=labels.plan_status_labels(),
        can_read_board_summary=policies.can_read_board_summary(current_user, group.association_id),
    )


@bp.route("/groups/<int:group_id>/summary")
def group_choose(group_id: int) -> Response:
    """The group summary's year picker: on to the year asked for."""
    group = _group(group_id)
    year = request.args.get("year", type=int) or current_year()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        year = current_year()
    return redirect(url_for(".group_page", group_id=group.id, year=year), 303)  # type: ignore[return-value]


@bp.route("/groups/<int:group_id>/summary/<int:year>/export.xlsx", defaults={"ext": "xlsx"})
@bp.route("/groups/<int:group_id>/summary/<int:year>/export.csv", defaults={"ext": "csv"})
def export_group(group_id: int, year: int, ext: str) -> Response:
    """Every table of the group summary."""
    group = _group(group_id)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    with force_locale("sv"):
        parts = group_summary(group, year).tables()
    return download(f"{group.name} {year}", parts, file_name("grupp", group.name, year), ext)
