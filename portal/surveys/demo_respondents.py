"""Demo rounds for respondent groups beyond the Mysam groups (issue 22): the board's
rounds of 2024 and 2025, and the staff's list round of 2025, all closed, so that the
board summary shows each respondent group apart.

Their instrument versions are the EXAMPLE questionnaires of ``portal/surveys/data``
(clearly labelled), not the national network's; the platform admin's upload of the
real ones replaces them. The staff
round's list is gone, as after every close: its invitations keep only whether they were
answered. Loading twice changes nothing.
"""

from __future__ import annotations

import random
import secrets
import uuid

import sqlalchemy as sa

from portal.accounts.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.organisations.models import Association, AssociationRole, AssociationRoleName
from portal.surveys import crypto
from portal.surveys.demo_rounds import close_past_round, draft_round
from portal.surveys.models import (
    Answer,
    Instrument,
    Invitation,
    RespondentGroup,
    SurveyResponse,
    SurveyRound,
    TextReview,
)

BOARD_YEARS = (2024, 2025)
STAFF_YEAR = 2025
STAFF_INVITED, STAFF_ANSWERED = 14, 10
TEXTS = [
    "Fler gemensamma insatser för unga.",
    "Tydligare uppföljning av resultaten.",
    "Mer tid för samverkan i vardagen.",
]


def example_instrument(group: RespondentGroup) -> Instrument:
    """The published example questionnaire for ``group`` (``surveys.demo``'s files)."""
    from portal.surveys.demo import example_instruments

    return example_instruments()[group]


def load_demo(association: Association) -> None:
    """The board's closed rounds and the staff's closed list round (idempotent)."""
    board = example_instrument(RespondentGroup.BOARD)
    members = list(
        db.session.scalars(
            sa.select(User.id)
            .join(AssociationRole, AssociationRole.user_id == User.id)
            .where(
                AssociationRole.association_id == association.id,
                AssociationRole.role == AssociationRoleName.BOARD,
            )
            .order_by(User.id)
        )
    )
    for year in BOARD_YEARS:
        if not _exists(association, year, RespondentGroup.BOARD) and members:
            invitations = [Invitation(user_id=user_id) for user_id in members]
            answered = len(members) - (1 if year == BOARD_YEARS[0] else 0)
            _closed_round(association, board, RespondentGroup.BOARD, year, invitations, answered)
    staff = example_instrument(RespondentGroup.STAFF)
    if not _exists(association, STAFF_YEAR, RespondentGroup.STAFF):
        # The list was deleted at close: what stays is one row per address, answered or not.
        invitations = [Invitation() for _ in range(STAFF_INVITED)]
        _closed_round(
            association, staff, RespondentGroup.STAFF, STAFF_YEAR, invitations, STAFF_ANSWERED
        )
    db.session.flush()


def _exists(association: Association, year: int, group: RespondentGroup) -> bool:
    return (
        db.session.scalar(
            sa.select(SurveyRound.id).where(
                SurveyRound.association_id == association.id,
                SurveyRound.year == year,
                SurveyRound.respondent_group == group,
            )
        )
        is not None
    )


def _closed_round(
    association: Association,
    instrument: Instrument,
    group: RespondentGroup,
    year: int,
    invitations: list[Invitation],
    answered: int,
) -> None:
    survey_round = draft_round(association, instrument, year, respondent_group=group)
    link_secret = secrets.token_bytes(32)  # a closed round's: gone with its keys
    for index, invitation in enumerate(invitations):
        salt = crypto.new_salt()
        invitation.round_id = survey_round.id
        invitation.token_salt = salt
        invitation.token_hash = crypto.token_hash(crypto.link_token(link_secret, salt))
        invitation.invited_at = utcnow()
        invitation.answered = index < answered
        db.session.add(invitation)
    rng = random.Random(f"{association.slug}-{group.value}-{year}")  # noqa: S311 - demo data
    lift = 0.4 * (year - BOARD_YEARS[0])
    for _ in range(answered):
        response = SurveyResponse(id=uuid.uuid4(), round_id=survey_round.id, group_id=None)
        for question in instrument.questions:
            if question.is_scale:
                if rng.random() < 0.08:
                    response.answers.append(Answer(question_id=question.id, dont_know=True))
                    continue
                points = question.points or 7
                value = min(points, max(1, round(rng.gauss(points * 0.7 + lift, 1.2))))
                response.answers.append(Answer(question_id=question.id, value=value))
            elif rng.random() < 0.4:
                response.answers.append(
                    Answer(question_id=question.id, text=rng.choice(TEXTS), review=TextReview.SHOWN)
                )
        db.session.add(response)
    close_past_round(survey_round)
