"""Generated rounds for the respondent groups other than the managers in collaboration.

The national indicator system asks five respondent groups (issue 22); the managers'
rounds come from :mod:`gen_surveys`. Here every association gets, each year whose
survey window has ended, a closed round for each other group, on a synthetic
instrument per group made here (clearly marked as generated examples, so the data
set does not depend on any example instrument shipped elsewhere). A few respondents a
round (so that about 4,000 responses a year come out at 80 associations, the national
figure), which leaves many rounds below *k* – as the national compilation meets them.

The rounds are written as the closed rounds of the managers are: responses with a
random UUID, round and group only; the rollup (``survey_round_totals``) as closing
writes it. The respondents of these groups are not the portal's people (a list or
participant codes), so no invitations are generated; the responses are spread over
the association's groups. A random stream of its own keeps every other generated row
what it was before these rounds existed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from portal.extensions import db
from portal.surveys import answering, results
from portal.surveys import services as survey_services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import RespondentGroup, RoundStatus, SurveyRound

if TYPE_CHECKING:
    from portal.devtools.context import AssociationData, Context

MIN_ANSWERS = 3
# Code prefix and responses per round (inclusive range) of each generated group.
GROUPS: dict[RespondentGroup, tuple[str, int, int]] = {
    RespondentGroup.BOARD: ("STY", 2, 6),
    RespondentGroup.STAFF: ("PER", 2, 7),
    RespondentGroup.REFERRERS: ("REM", 2, 5),
    RespondentGroup.PARTICIPANTS_ONGOING: ("DLP", 3, 8),
    RespondentGroup.PARTICIPANTS_FINISHED: ("DLA", 2, 6),
}
INDICATORS = (
    ("A", "Samverkan kring deltagaren (genererad exempelindikator)"),
    ("B", "Stöd och bemötande (genererad exempelindikator)"),
    ("C", "Resultat för deltagaren (genererad exempelindikator)"),
)
POINTS = 7
POSITIVE_FROM = 6


@dataclass(frozen=True)
class GroupInstrument:
    """A generated instrument version: its id and its scale questions' ids."""

    id: int
    question_ids: list[int]


def definition(group: RespondentGroup) -> dict[str, Any]:
    """The synthetic instrument of ``group``: three indicators of two scale questions."""
    prefix = GROUPS[group][0]
    return {
        "format": "samverkansportalen/survey-instrument@1",
        "code": f"genererad-{group.value}",
        "version": "1",
        "respondent_group": group.value,
        "title": f"Genererad exempelenkät ({prefix})",
        "example": True,
        "notice": "Genererad testdata: inte det officiella nationella instrumentet.",
        "scales": {
            "exempel-1-7": {
                "points": POINTS,
                "low_label": "Inte alls",
                "high_label": "I mycket hög grad",
                "dont_know": "Vet ej / ej aktuellt",
                "clearly_positive_from": POSITIVE_FROM,
            }
        },
        "indicators": [
            {
                "code": f"{prefix}-{code}",
                "title": title,
                "questions": [
                    {
                        "code": f"{prefix}-{code}{n}",
                        "type": "scale",
                        "scale": "exempel-1-7",
                        "text": f"Genererad exempelfråga {prefix}-{code}{n}.",
                    }
                    for n in (1, 2)
                ],
            }
            for code, title in INDICATORS
        ],
    }


def instruments() -> dict[RespondentGroup, GroupInstrument]:
    """One synthetic instrument version per generated respondent group, imported
    through the survey services (unchanged if it is there already)."""
    out = {}
    for group in GROUPS:
        parsed = parse_instrument(json.dumps(definition(group)))
        made, _outcome = survey_services.import_instrument(None, parsed)
        out[group] = GroupInstrument(made.id, [q.id for q in made.questions])
    db.session.flush()
    return out


def add_rounds(
    ctx: Context, association: AssociationData, made: dict[RespondentGroup, GroupInstrument]
) -> None:
    """A closed round per generated respondent group and ended survey window."""
    rng = random.Random(f"respondent-groups-{ctx.seed}-{association.number}")  # noqa: S311
    for year in ctx.years:
        if dt.date(year, 9, 30) >= ctx.today:
            continue
        for group, instrument in made.items():
            _round(ctx, rng, association, group, instrument, year)


def _round(
    ctx: Context,
    rng: random.Random,
    association: AssociationData,
    group: RespondentGroup,
    instrument: GroupInstrument,
    year: int,
) -> None:
    round_id = ctx.writer.add_with_id(
        "survey_rounds",
        {
            "association_id": association.id,
            "year": year,
            "respondent_group": group,
            "instrument_id": instrument.id,
            "opens_on": dt.date(year, 8, 15),
            "closes_on": dt.date(year, 9, 30),
            "min_answers": MIN_ANSWERS,
            "status": RoundStatus.DRAFT,
            "opened_at": None,
            "closed_at": None,
        },
    )
    _prefix, low, high = GROUPS[group]
    groups = association.groups
    used = set()
    lift = 0.12 * (year - ctx.years[0])
    for _ in range(rng.randint(low, high)):
        target = rng.choice(groups)
        used.add(target.id)
        response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        ctx.writer.add(
            "survey_responses", {"id": response_id, "round_id": round_id, "group_id": target.id}
        )
        for question_id in instrument.question_ids:
            answer = {"response_id": response_id, **answering.blank_answer(question_id)}
            if rng.random() < 0.07:
                answer["dont_know"] = True
            else:
                answer["value"] = min(POINTS, max(1, round(rng.gauss(4.4 + lift, 1.4))))
            ctx.writer.add("survey_answers", answer)
    for group_id in sorted(used):
        ctx.writer.add("survey_round_groups", {"round_id": round_id, "group_id": group_id})
    ctx.writer.then(
        sa.update(SurveyRound)
        .where(SurveyRound.id == round_id)
        .values(
            status=RoundStatus.CLOSED,
            opened_at=dt.datetime(year, 8, 15, 6, tzinfo=dt.UTC),
            closed_at=dt.datetime(year, 10, 1, 2, tzinfo=dt.UTC),
        )
    )
    ctx.writer.then(results.totals_insert([round_id]))
