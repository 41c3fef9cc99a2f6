"""What the survey pages share: loading a round or the association, scoped and
authorized, and the words for a round's state."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.core.loaders import require
from portal.organisations.loaders import load_association
from portal.organisations.models import Association
from portal.surveys import policies, services
from portal.surveys.models import (
    RESPONDENT_GROUP_LABELS,
    ROUND_STATUS_LABELS,
    Instrument,
    SurveyRound,
)


def status_label(survey_round: SurveyRound) -> str:
    """The round's state in words."""
    return str(ROUND_STATUS_LABELS[survey_round.status])


def respondent_group_label(survey_round: SurveyRound) -> str:
    """Whom the round asks, in words."""
    return str(RESPONDENT_GROUP_LABELS[survey_round.respondent_group])


def load_surveys(slug: str) -> Association:
    """The association whose survey pages the person may see, else 404."""
    association = load_association(slug)
    require(policies.can_see_surveys(current_user, association.id))
    return association


def load_round(
    slug: str, round_id: int, *, manage: bool = False
) -> tuple[Association, SurveyRound]:
    """A round the person may follow (or, with ``manage``, run), else 404.

    Its instrument, questions and groups come with it (one more query): every
    round page shows them, and the policies read the groups.
    """
    association = load_surveys(slug)
    survey_round = services.load_round(
        association,
        round_id,
        joinedload(SurveyRound.instrument).selectinload(Instrument.questions),
        joinedload(SurveyRound.groups),
    )
    if survey_round is None:
        abort(404)
    if manage:
        require(policies.can_manage_surveys(current_user, association.id))
    else:
        require(
            policies.can_follow_round(current_user, survey_round)
            or policies.can_read_results(current_user, survey_round)
        )
    return association, survey_round
