"""Who may do what with surveys. Refusals look like absence (404) in the views.

Respondents need no policy: their link is their permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.core import permissions
from portal.core.permissions import principal
from portal.extensions import db
from portal.groups.models import Group
from portal.surveys.models import RespondentSource

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.surveys.models import SurveyRound


def can_manage_surveys(user: User, association_id: int) -> bool:
    """Association admins prepare, open, remind, close and review free text."""
    return permissions.is_association_admin(user, association_id)


def can_see_surveys(user: User, association_id: int) -> bool:
    """Admins, the board and process leaders of any group reach the survey pages."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return (
        association_id in p.admin_of
        or association_id in p.board_of
        or bool(p.led_groups & _group_ids_of(user, association_id))
    )


def _group_ids_of(user: User, association_id: int) -> frozenset[int]:
    led = principal(user).led_groups
    if not led:
        return frozenset()
    return frozenset(
        db.session.scalars(
            sa.select(Group.id).where(Group.id.in_(led), Group.association_id == association_id)
        )
    )


def led_groups_in(user: User, survey_round: SurveyRound) -> frozenset[int]:
    """The round's groups this person leads."""
    if not user.is_authenticated:
        return frozenset()
    return principal(user).led_groups & {g.id for g in survey_round.groups}


def can_follow_round(user: User, survey_round: SurveyRound) -> bool:
    """Admins, and process leaders of a group in the round, follow response rates."""
    return can_manage_surveys(user, survey_round.association_id) or bool(
        led_groups_in(user, survey_round)
    )


def can_see_all_groups(user: User, survey_round: SurveyRound) -> bool:
    """Admins and the board see every group's rate and results; leaders their own."""
    return can_manage_surveys(user, survey_round.association_id) or permissions.is_board_member(
        user, survey_round.association_id
    )


def can_read_results(user: User, survey_round: SurveyRound) -> bool:
    """Results of a closed round: admins, the board and the round's process leaders."""
    return survey_round.is_closed and (
        can_see_all_groups(user, survey_round) or bool(led_groups_in(user, survey_round))
    )


def can_read_group_results(user: User, survey_round: SurveyRound, group_id: int) -> bool:
    """A group's column: admins and the board for every group, a leader for theirs."""
    return can_see_all_groups(user, survey_round) or group_id in led_groups_in(user, survey_round)


def can_publish_instruments(user: User) -> bool:
    """The platform admin uploads instrument versions and publishes them to every
    association (for the national network, which owns the wording)."""
    return permissions.is_platform_admin(user)


def code_groups(user: User, survey_round: SurveyRound) -> frozenset[int]:
    """The round's groups this person may issue and withdraw participant codes for:
    every group for an admin, their own groups for a process leader (as reminders)."""
    if can_manage_surveys(user, survey_round.association_id):
        return frozenset(g.id for g in survey_round.groups)
    return led_groups_in(user, survey_round)


def can_issue_codes(user: User, survey_round: SurveyRound) -> bool:
    """An open or closed round of participant codes, and a group to issue for."""
    return survey_round.source is RespondentSource.CODES and bool(code_groups(user, survey_round))
