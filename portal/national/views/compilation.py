"""The national compilation page and its downloads (the national network's)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, render_template, request
from flask_babel import format_decimal
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.downloads import CSV, XLSX, attachment, file_name
from portal.national import policies
from portal.national.blueprint import bp
from portal.national.services import compilation_choices, compile_year
from portal.national.services import export as exports
from portal.surveys.models import RESPONDENT_GROUP_LABELS, RespondentGroup


def _guard() -> None:
    if not policies.can_read_compilation(current_user):
        abort(404)


def _chosen(
    choices: list[tuple[int, RespondentGroup]],
) -> tuple[int, RespondentGroup] | None:
    """The year and respondent group asked for, else the newest year's first group."""
    if not choices:
        return None
    year = request.args.get("year", type=int)
    group = request.args.get("group", "")
    for choice in choices:
        if choice[0] == year and choice[1].value == group:
            return choice
    for choice in choices:
        if choice[0] == year:
            return choice
    return choices[0]


def percent_format() -> Callable[[float | None], str]:
    """A share 0..1 as a percentage with one decimal in the locale's decimal sign, "–"
    for none. The per-association table has a thousand cells or more at national size:
    formatting each through Babel took as long as the rest of the page."""
    sign = format_decimal(0.5)[1]

    def percent(share: float | None) -> str:
        return "–" if share is None else f"{share * 100:.1f}".replace(".", sign) + " %"

    return percent


@bp.route("/national")
def compilation() -> str:
    """Per year and respondent group: the figures over the installation and per
    association where *k* allows."""
    _guard()
    choices = compilation_choices()
    chosen = _chosen(choices)
    result = compile_year(*chosen) if chosen else None
    return render_template(
        "national/compilation.html",
        compilation=result,
        years=sorted({year for year, _group in choices}, reverse=True),
        groups=[g for g in RespondentGroup if any(c[1] is g for c in choices)],
        group_labels=RESPONDENT_GROUP_LABELS,
        percent=percent_format(),
    )


@bp.route("/national/<int:year>/<group>.csv", defaults={"fmt": "csv"})
@bp.route("/national/<int:year>/<group>.xlsx", defaults={"fmt": "xlsx"})
def export(year: int, group: str, fmt: str) -> Response:
    """The compilation in the shape of the published national report."""
    _guard()
    try:
        respondent_group = RespondentGroup(group)
    except ValueError:
        abort(404)
    result = compile_year(year, respondent_group)
    name = file_name("nationell-sammanstallning", year, respondent_group.value)
    if fmt == "csv":
        return attachment(exports.to_csv(result), CSV, f"{name}.csv")
    return attachment(exports.to_workbook(result), XLSX, f"{name}.xlsx")
