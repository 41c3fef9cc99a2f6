"""The board summary, its print layout and downloads.

Every figure comes from ``portal.reporting.services.summary``; the page, the print
layout, the xlsx and the CSV all render the same ``BoardSummary``.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.downloads import file_name
from portal.organisations.models import Association
from portal.plans.models import ACTIVITY_STATUS_LABELS, ActivityStatus
from portal.reporting import policies
from portal.reporting.blueprint import bp
from portal.reporting.services import development, texts
from portal.reporting.services import tables as labels
from portal.reporting.services.period import Period
from portal.reporting.services.summary import BoardSummary, board_summary
from portal.reporting.services.survey_figures import percent
from portal.reporting.services.trends import Trend
from portal.reporting.views.charts import Chart, Series
from portal.reporting.views.common import (
    chosen_year,
    current_year,
    download,
    load_board_association,
    require_year,
)

SECTIONS = ("summary", "plans", "meetings", "survey", "trends")


def _period(year: int) -> Period:
    require_year(year)
    return Period.parse(year, request.args.get("period"))


def offered_years(trends: list[Trend], year: int) -> list[int]:
    """Years on record in any trend, this year and the one shown, newest first."""
    found = {y for t in trends for y in t.years}
    return sorted({*found, current_year(), year}, reverse=True)


def chart_of(trend: Trend) -> Chart:
    """A trend as a chart; shares rounded to whole per cent as in the tables."""

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


@bp.route("/a/<slug>/reports")
def choose(slug: str) -> Response:
    """The year and period picker's target: on to the summary asked for (or this year's)."""
    association = load_board_association(slug)
    year = chosen_year(request.args.get("year", type=int))
    kind = "h1" if request.args.get("period") == "h1" else "year"
    target = url_for(".summary", slug=association.slug, year=year, period=kind)
    return redirect(target, 303)


@bp.route("/a/<slug>/reports/<int:year>")
def summary(slug: str, year: int) -> str:
    """The board summary for a year or its first half (``?period=year|h1``)."""
    association = load_board_association(slug)
    result = board_summary(association, _period(year))
    return render_template("reporting/summary.html", **_context(association, result))


@bp.route("/a/<slug>/reports/<int:year>/print")
def print_summary(slug: str, year: int) -> str:
    """The whole board summary laid out for A4 paper."""
    association = load_board_association(slug)
    result = board_summary(association, _period(year))
    return render_template("reporting/print.html", **_context(association, result))


@bp.route("/a/<slug>/reports/<int:year>/export.xlsx", defaults={"ext": "xlsx"})
@bp.route("/a/<slug>/reports/<int:year>/export.csv", defaults={"ext": "csv"})
def export_summary(slug: str, year: int, ext: str) -> Response:
    """Every table of the board summary; headers in Swedish whatever the page language."""
    association = load_board_association(slug)
    period = _period(year)
    with force_locale("sv"):
        result = board_summary(association, period)
        parts = labels.board_tables(result)
        title = f"{association.name} {year}{' H1' if period.half else ''}"
    name = file_name("sammanställning", association.name, year, "h1" if period.half else "")
    return download(title, parts, name, ext)
