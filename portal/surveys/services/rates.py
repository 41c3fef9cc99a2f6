"""Response rates of a running round, counted from the invitations."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.surveys.models import (
    Invitation,
    SurveyRound,
)


@dataclass(frozen=True)
class Rate:
    """Invited and answered, for a group or an agency kind."""

    label: str
    invited: int
    answered: int
    group_id: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.invited) if self.invited else 0


@dataclass(frozen=True)
class Rates:
    """A running round's response rate per group and overall (never per agency kind:
    with groups of five to seven, who of a kind has answered points at persons)."""

    groups: list[Rate]
    total: Rate


def response_rates(survey_round: SurveyRound) -> Rates:
    """Counted in the database from the invitations (never from the answers)."""
    answered = sa.func.sum(sa.case((Invitation.answered.is_(True), 1), else_=0))
    by_group = {
        gid: (n, a or 0)
        for gid, n, a in db.session.execute(
            sa.select(Invitation.group_id, sa.func.count(), answered)
            .where(Invitation.round_id == survey_round.id)
            .group_by(Invitation.group_id)
        )
    }
    groups = [Rate(g.name, *by_group.get(g.id, (0, 0)), group_id=g.id) for g in survey_round.groups]
    total = Rate("", sum(r.invited for r in groups), sum(r.answered for r in groups))
    return Rates(groups=groups, total=total)
