"""Generated survey rounds: one closed round a year on the demo instrument.

The members of each group on the opening day are invited; 60–75 % answer. Responses
keep to the anonymity rules of :mod:`portal.surveys.models`: a random UUID, round,
group and agency kind only (the kind forgotten where fewer than *k* of a group share
it, as closing a round does), never a person, an invitation or a time. The round is
written as a draft and closed afterwards, because the database refuses new groups on
a round that has opened.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app

from portal.surveys import answering, crypto, results
from portal.surveys import services as survey_services
from portal.surveys.demo import FREE_TEXT, WITHHELD
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import RespondentGroup, RoundStatus, SurveyRound, TextReview

if TYPE_CHECKING:
    from portal.devtools.context import AssociationData, Context, GroupData, Seat

MIN_ANSWERS = 3


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    code: str
    scale: bool
    points: int


@dataclass(frozen=True)
class InstrumentInfo:
    id: int
    questions: list[QuestionInfo]


def instrument() -> InstrumentInfo:
    """The demo instrument, imported through the survey services if it is missing."""
    path = f"{current_app.root_path}/surveys/data/demo-instrument.json"
    with open(path, encoding="utf-8") as handle:
        found, _outcome = survey_services.import_instrument(None, parse_instrument(handle.read()))
    questions = [QuestionInfo(q.id, q.code, q.is_scale, q.points or 0) for q in found.questions]
    return InstrumentInfo(found.id, questions)


def add_rounds(ctx: Context, association: AssociationData, info: InstrumentInfo) -> None:
    """A closed round for every year whose survey window has ended."""
    for year in ctx.years:
        closes_on = dt.date(year, 9, 30)
        if closes_on < ctx.today:
            _round(ctx, association, info, year, closes_on)


def _round(
    ctx: Context, association: AssociationData, info: InstrumentInfo, year: int, closes_on: dt.date
) -> None:
    opens_on = dt.date(year, 8, 15)
    round_id = ctx.writer.add_with_id(
        "survey_rounds",
        {
            "association_id": association.id,
            "year": year,
            "respondent_group": RespondentGroup.MANAGERS,
            "instrument_id": info.id,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "min_answers": MIN_ANSWERS,
            "status": RoundStatus.DRAFT,
            "opened_at": None,
            "closed_at": None,
        },
    )
    rate = ctx.rng.uniform(0.60, 0.75)
    responses: list[dict[str, Any]] = []
    for group in association.groups:
        ctx.writer.add("survey_round_groups", {"round_id": round_id, "group_id": group.id})
        for seat in group.current(opens_on):
            answered = ctx.rng.random() < rate
            _invitation(ctx, round_id, group, seat, opens_on, answered=answered)
            if answered:
                responses.append(_response(ctx, info, round_id, group, seat, year))
    for response in responses:
        ctx.writer.add("survey_responses", response)
    ctx.writer.then(
        sa.update(SurveyRound)
        .where(SurveyRound.id == round_id)
        .values(
            status=RoundStatus.CLOSED,
            opened_at=dt.datetime(year, 8, 15, 6, tzinfo=dt.UTC),
            closed_at=dt.datetime(year, 10, 1, 2, tzinfo=dt.UTC),
        )
    )
    ctx.writer.then(results.totals_insert([round_id]))  # as closing through the services does


def _invitation(
    ctx: Context,
    round_id: int,
    group: GroupData,
    seat: Seat,
    opens_on: dt.date,
    *,
    answered: bool,
) -> None:
    salt = f"{ctx.rng.getrandbits(128):032x}"
    reminded = not answered or ctx.rng.random() < 0.3
    ctx.writer.add_with_id(
        "survey_invitations",
        {
            "round_id": round_id,
            "group_id": group.id,
            "membership_id": seat.id,
            "agency_kind": seat.agency_kind,
            "token_salt": salt,
            "token_hash": crypto.token_hash(crypto.link_token(ctx.secret_key, salt)),
            "answered": answered,
            "invited_at": dt.datetime.combine(opens_on, dt.time(6), tzinfo=dt.UTC),
            "reminded_at": dt.datetime(opens_on.year, 9, 10, 6, tzinfo=dt.UTC)
            if reminded
            else None,
            "reminders": 1 if reminded else 0,
        },
    )


def _response(
    ctx: Context, info: InstrumentInfo, round_id: int, group: GroupData, seat: Seat, year: int
) -> dict[str, Any]:
    response_id = uuid.UUID(int=ctx.rng.getrandbits(128), version=4)
    lift = 0.15 * (year - ctx.years[0])  # slowly better year on year
    for question in info.questions:
        answer = {"response_id": response_id, **answering.blank_answer(question.id)}
        if question.scale:
            if ctx.rng.random() < 0.08:
                answer["dont_know"] = True
            else:
                value = round(ctx.rng.gauss(4.2 + lift, 1.4))
                answer["value"] = min(question.points, max(1, value))
        elif ctx.rng.random() < 0.4:
            answer["text"], answer["review"] = _free_text(ctx, question.code)
        else:
            continue
        ctx.writer.add("survey_answers", answer)
    return {
        "id": response_id,
        "round_id": round_id,
        "group_id": group.id,
    }


def _free_text(ctx: Context, code: str) -> tuple[str, TextReview]:
    if ctx.rng.random() < 0.03:
        return WITHHELD, TextReview.WITHHELD
    text = ctx.rng.choice(FREE_TEXT.get(code, FREE_TEXT["F1"]))
    return text, TextReview.PENDING if ctx.rng.random() < 0.1 else TextReview.SHOWN
