"""``flask dev generate``: synthetic data in the Gävleborg shape, in bulk.

Runs inside the test's transaction (the ``db_session`` fixture): the command's commit
is a savepoint that vanishes with the test. Small sizes only; the benchmark runs the
national size.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.cli.demo import DEMO_PASSWORD
from portal.devtools.context import Options
from portal.devtools.generate import generate
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole
from portal.meetings.models import Invitee, Meeting, Minutes, MinutesStatus
from portal.organisations.models import Agency, AgencyKind, Association, AssociationRole
from portal.plans.models import Plan, PlanStatus, TemplateVersion, VersionStatus
from portal.surveys.models import (
    Answer,
    Invitation,
    RespondentGroup,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)
from tests.conftest import login

TODAY = dt.date(2026, 11, 30)


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def generated(db_session: Any) -> None:
    generate(Options(associations=2, years=2, seed=7, today=TODAY))
    db_session.commit()


@pytest.mark.usefixtures("generated")
def test_rows_in_the_gavleborg_shape() -> None:
    assert _count(Association, Association.slug.startswith("gen-")) == 2
    assert _count(Agency) == 26
    kinds = Counter(db.session.scalars(sa.select(Agency.kind)))
    assert kinds == {AgencyKind.MUNICIPALITY: 20, AgencyKind.STATE: 4, AgencyKind.REGION: 2}
    assert _count(Group) == 18
    assert _count(AssociationRole) == 4  # an admin and a board member each
    assert _count(Plan) == 18 * 2  # one per group and year
    assert _count(Meeting) == 18 * 2 * 4
    # Both years' survey windows (August–September) have passed on 30 November.
    # Issue 22: a round per respondent group (five more than the managers' own).
    assert _count(SurveyRound, SurveyRound.status == RoundStatus.CLOSED) == 4 * 6
    assert _count(SurveyRound, SurveyRound.respondent_group == RespondentGroup.MANAGERS) == 4
    assert _count(TemplateVersion, TemplateVersion.status == VersionStatus.PUBLISHED) == 2
    for group in db.session.scalars(sa.select(Group)):
        current = [m for m in group.memberships if m.is_current(TODAY)]
        assert 5 <= len(current) <= 8, group.name
        assert sum(m.role is MembershipRole.PROCESS_LEADER for m in current) == 1


@pytest.mark.usefixtures("generated")
def test_turnover_keeps_history() -> None:
    ended = _count(Membership, Membership.valid_to.is_not(None))
    assert ended > 0
    overlaps = db.session.execute(
        sa.select(Membership.group_id, Membership.user_id, sa.func.count())
        .group_by(Membership.group_id, Membership.user_id)
        .having(sa.func.count() > 1)
    ).all()
    assert overlaps == []  # each holder of a seat is a new person


@pytest.mark.usefixtures("generated")
def test_meetings_have_attendance_and_minutes_until_today() -> None:
    held = Meeting.starts_at < dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert _count(Meeting, ~held) == 18  # the December meetings are upcoming
    assert _count(Minutes, Minutes.status == MinutesStatus.APPROVED) == _count(Meeting, held)
    unrecorded = sa.select(Invitee.id).join(Meeting).where(held, Invitee.status.is_(None))
    assert db.session.scalars(unrecorded).all() == []
    invitees = _count(Invitee)
    assert 18 * 2 * 4 * 5 <= invitees <= 18 * 2 * 4 * 8


@pytest.mark.usefixtures("generated")
def test_survey_answers_are_anonymous_and_plausible() -> None:
    invited = _count(Invitation)
    answered = _count(Invitation, Invitation.answered.is_(True))
    managers = SurveyResponse.round_id.in_(
        sa.select(SurveyRound.id).where(SurveyRound.respondent_group == RespondentGroup.MANAGERS)
    )
    assert _count(SurveyResponse, managers) == answered
    assert 0.45 <= answered / invited <= 0.9
    assert _count(Answer, Answer.dont_know.is_(True)) > 0
    assert _count(Answer, Answer.text.is_not(None)) > 0
    # Responses record no agency kind (issue 15): the generator writes none either.
    assert _count(SurveyResponse, SurveyResponse.agency_kind.is_not(None)) == 0
    columns = {c.name for c in SurveyResponse.__table__.columns}
    assert columns == {"id", "round_id", "group_id", "agency_kind"}


def test_same_seed_same_data(db_session: Any) -> None:
    def snapshot() -> list[Any]:
        generate(Options(associations=1, years=2, seed=11, today=TODAY))
        rows = db.session.execute(
            sa.select(Membership.user_id, Membership.valid_from, Membership.valid_to).order_by(
                Membership.id
            )
        ).all()
        emails = db.session.scalars(sa.text("SELECT email FROM users ORDER BY id")).all()
        return [rows, emails]

    savepoint = db_session.begin_nested()
    first = snapshot()
    savepoint.rollback()
    assert snapshot() == first


@pytest.mark.usefixtures("generated")
def test_a_second_run_is_refused() -> None:
    with pytest.raises(ValueError, match="already holds generated"):
        generate(Options(associations=1, years=1, today=TODAY))


def test_the_command_prints_what_it_made(app: Flask, db_session: Any) -> None:
    result = app.test_cli_runner().invoke(
        args=["dev", "generate", "--associations", "1", "--years", "1", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "meetings" in result.output
    assert "rows in" in result.output
    assert _count(Group) == 9


@pytest.mark.usefixtures("generated")
def test_pages_of_a_generated_association_render(client: FlaskClient) -> None:
    association = db.session.scalar(sa.select(Association).where(Association.slug == "gen-001"))
    assert association is not None
    admin = db.session.scalars(
        sa.select(AssociationRole).where(AssociationRole.association_id == association.id)
    ).first()
    assert admin is not None
    login(client, admin.user.email, DEMO_PASSWORD)
    slug = association.slug
    group = db.session.scalar(sa.select(Group).where(Group.association_id == association.id))
    assert group is not None
    plan = db.session.scalar(sa.select(Plan).where(Plan.group_id == group.id, Plan.year == 2026))
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.group_id == group.id))
    survey_round = db.session.scalar(
        sa.select(SurveyRound).where(SurveyRound.association_id == association.id)
    )
    assert plan is not None
    assert meeting is not None
    assert survey_round is not None
    assert plan.status in set(PlanStatus)
    for url in (
        f"/a/{slug}/",
        f"/a/{slug}/groups/{group.id}",
        f"/a/{slug}/plans/{plan.id}",
        f"/a/{slug}/meetings/{meeting.id}",
        f"/a/{slug}/meetings/{meeting.id}/minutes",
        f"/a/{slug}/groups/{group.id}/statistics",
        f"/a/{slug}/statistics",
        f"/a/{slug}/surveys/{survey_round.id}",
        f"/a/{slug}/surveys/{survey_round.id}/results",
        f"/a/{slug}/plan-template",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.usefixtures("generated")
def test_every_respondent_group_has_rounds_and_the_compilation_reads_them(
    client: FlaskClient,
) -> None:
    """Issue 22: all respondent groups, each on its own generated instrument, a few
    respondents each; the national network's account reads the compilation."""
    from portal.devtools.generate import NATIONAL_EMAIL
    from portal.national.services import compile_year
    from portal.surveys.models import Instrument, RoundTotal

    groups = set(db.session.scalars(sa.select(SurveyRound.respondent_group).distinct()))
    assert groups == set(RespondentGroup)
    for round_ in db.session.scalars(sa.select(SurveyRound)):
        assert round_.instrument.respondent_group is round_.respondent_group
    assert _count(Instrument, Instrument.is_example.is_(True)) == 6  # demo + five generated
    assert _count(RoundTotal) > 0
    compilation = compile_year(2025, RespondentGroup.STAFF)
    assert compilation.participating == 2
    assert [line.code for line in compilation.lines][:3] == ["PER-A", "PER-A1", "PER-A2"]
    login(client, NATIONAL_EMAIL, DEMO_PASSWORD)
    page = client.get("/national?year=2025&group=board")
    assert page.status_code == 200
    assert "STY-A1" in page.get_data(as_text=True)
