"""``/api/v1``: read-only JSON for the agencies' BI tools.

Guarded as a whole: every view except the OpenAPI document runs only after
``auth.authenticate`` found a valid token for the association in the path.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, request, url_for

from portal.api import auth, params, serialize
from portal.api.openapi import openapi_document
from portal.core.ratelimit import rate_limited
from portal.core.security import public, token_guarded
from portal.extensions import db
from portal.groups import services as group_services
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.reporting.services import development, texts
from portal.reporting.services.serialize import board_json, texts_json
from portal.reporting.services.summary import Period, board_summary, plan_summaries
from portal.surveys.models import RespondentGroup, RoundStatus, SurveyRound
from portal.surveys.results import round_results

bp = rate_limited(
    token_guarded(Blueprint("api", __name__, url_prefix="/api/v1")),
    auth.rate_limit,
    key_func=auth.rate_limit_key,
)

PREFIX = "/associations/<int:association_id>"
PERIODS = ("year", "h1")


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint == "api.openapi":
        return None
    return auth.authenticate()


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    return response


def _association() -> Association:
    """The token's association (the path was checked against it in ``authenticate``)."""
    association = db.session.get(Association, auth.current_token().association_id)
    assert association is not None  # the token's foreign key cascades on delete
    return association


@bp.route("/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(url_for(".openapi", _external=True).rsplit("/", 1)[0]))


@bp.route(PREFIX)
def association(association_id: int) -> Response:
    """The association and its member agencies."""
    return jsonify(serialize.association_json(_association()))


@bp.route(f"{PREFIX}/groups")
def groups(association_id: int) -> Response:
    """The association's groups, by name, a page at a time."""
    asked = params.page_args()
    rows = group_services.group_rows(_association())
    items = [serialize.group_json(r) for r in rows[asked.offset : asked.offset + asked.per_page]]
    return jsonify(
        params.paginated(items, len(rows), asked, ".groups", association_id=association_id)
    )


@bp.route(f"{PREFIX}/groups/<int:group_id>")
def group(association_id: int, group_id: int) -> Response:
    """One group with its head counts."""
    rows = group_services.group_rows(_association(), group_id)
    if not rows:
        abort(404)  # no such group, or another association's
    return jsonify(serialize.group_json(rows[0]))


@bp.route(f"{PREFIX}/meetings/statistics")
def meeting_statistics(association_id: int) -> Response:
    """Per group: meetings planned and held, attendance, agencies, turnover."""
    year = params.year_arg()
    association = _association()
    groups = list(
        db.session.scalars(
            sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
        )
    )
    return jsonify(serialize.meeting_statistics_json(association, groups, year))


def _rounds_query(association: Association) -> sa.Select[Any]:
    return sa.select(SurveyRound).where(
        SurveyRound.association_id == association.id, SurveyRound.status != RoundStatus.DRAFT
    )


@bp.route(f"{PREFIX}/surveys/rounds")
def survey_rounds(association_id: int) -> Response:
    """Opened and closed survey rounds, newest first (drafts are not published)."""
    asked = params.page_args()
    query = _rounds_query(_association())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rounds = db.session.scalars(
        query.order_by(SurveyRound.year.desc()).offset(asked.offset).limit(asked.per_page)
    )
    items = [
        {
            **serialize.round_json(r),
            "results_url": url_for(
                ".survey_results",
                association_id=association_id,
                year=r.year,
                _external=True,
                **(
                    {}
                    if r.respondent_group == RespondentGroup.MANAGERS
                    else {"respondent_group": r.respondent_group.value}
                ),
            ),
        }
        for r in rounds
    ]
    return jsonify(
        params.paginated(items, total, asked, ".survey_rounds", association_id=association_id)
    )


@bp.route(f"{PREFIX}/surveys/rounds/<int:year>/results")
def survey_results(association_id: int, year: int) -> Response:
    """A closed round's results; an explanation instead while none are published."""
    params.check_year(year)
    asked = RespondentGroup(
        params.choice_arg(
            "respondent_group", [g.value for g in RespondentGroup], RespondentGroup.MANAGERS.value
        )
    )
    survey_round = db.session.scalar(
        _rounds_query(_association()).where(
            SurveyRound.year == year, SurveyRound.respondent_group == asked
        )
    )
    body: dict[str, Any] = {
        "year": year,
        "respondent_group": asked.value,
        "status": "none",
        "message": None,
        "results": None,
    }
    if survey_round is None:
        body["message"] = f"No survey round was run in {year}."
    elif not survey_round.is_closed:
        body["status"] = survey_round.status.value
        body["message"] = "Results are published when the round has closed."
    else:
        body["status"] = survey_round.status.value
        body["results"] = serialize.results_json(survey_round, round_results(survey_round))
    return jsonify(body)


@bp.route(f"{PREFIX}/plans")
def plans(association_id: int) -> Response:
    """Each group's plan for the year in figures (``portal.reporting.plan_summaries``)."""
    year = params.year_arg()
    items = [p.as_json() for p in plan_summaries(_association(), year)]
    has_data = any(item["plan_id"] is not None for item in items)
    return jsonify(
        {
            "association_id": association_id,
            "year": year,
            "has_data": has_data,
            "message": None if has_data else f"No group has an action plan for {year}.",
            "items": items,
        }
    )


@bp.route(f"{PREFIX}/board-summary/<int:year>", endpoint="board_summary")
def board_summary_json(association_id: int, year: int) -> Response:
    """The board summary (``portal.reporting.board_summary``), ``?period=year|h1``."""
    period = Period.parse(params.check_year(year), params.choice_arg("period", PERIODS, "year"))
    association = _association()
    body = board_json(board_summary(association, period))
    body.update(
        texts_json(
            texts.analyses(association.id, period.year, period.kind),
            development.development_areas(association.id, period.year),
        )
    )
    return jsonify(body)
