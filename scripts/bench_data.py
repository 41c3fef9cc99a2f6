"""What ``scripts/bench.py`` measures on: objects of a generated association, a fresh
open survey round with unanswered links, and an API token. Runs inside an app context.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

RESPONDENT_GROUP = "Mysam Benchmark"


def targets(associations: int) -> dict[str, Any]:
    """The middle generated association's first group, its last full year's plan and
    round, and its latest held meeting (the fields of ``bench.Targets``)."""
    from portal.extensions import db
    from portal.groups.models import Group
    from portal.groups.services import today
    from portal.meetings.models import Meeting, Minutes
    from portal.organisations.models import Association, AssociationRole, AssociationRoleName
    from portal.plans.models import Plan
    from portal.surveys.models import RoundStatus, SurveyRound

    slug = f"gen-{(associations + 1) // 2:03d}"
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None:
        raise SystemExit(f"no generated association {slug}")
    admin = db.session.scalar(
        sa.select(AssociationRole).where(
            AssociationRole.association_id == association.id,
            AssociationRole.role == AssociationRoleName.ADMIN,
        )
    )
    group = db.session.scalar(
        sa.select(Group).where(Group.association_id == association.id).order_by(Group.id).limit(1)
    )
    assert admin is not None
    assert group is not None
    year = today().year - 1  # the last full year
    plan = db.session.scalar(sa.select(Plan).where(Plan.group_id == group.id, Plan.year == year))
    meeting = db.session.scalar(
        sa.select(Meeting)
        .join(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Meeting.group_id == group.id)
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    survey_round = db.session.scalar(
        sa.select(SurveyRound).where(
            SurveyRound.association_id == association.id,
            SurveyRound.year == year,
            SurveyRound.status == RoundStatus.CLOSED,
        )
    )
    assert plan is not None
    assert meeting is not None
    assert survey_round is not None
    return {
        "association_id": association.id,
        "slug": slug,
        "admin_email": admin.user.email,
        "group_id": group.id,
        "plan_id": plan.id,
        "meeting_id": meeting.id,
        "round_id": survey_round.id,
        "year": year,
    }


def open_load_round(slug: str, respondents: int, year_offset: int) -> list[str]:
    """A fresh open round in the association ``slug`` (made on first use) whose one group
    has ``respondents`` members; returns the survey links' tokens."""

    from portal.core.mail import OutboxMessage
    from portal.extensions import db
    from portal.groups import services as groups
    from portal.surveys import crypto
    from portal.surveys import services as surveys
    from portal.surveys.models import Invitation, SurveyRound

    association, actor, group = _respondents(slug, respondents)
    year = groups.today().year + year_offset
    db.session.execute(
        sa.delete(SurveyRound).where(
            SurveyRound.association_id == association.id, SurveyRound.year == year
        )
    )
    mail_before = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
    instrument_id = db.session.scalar(
        sa.text("SELECT id FROM survey_instruments ORDER BY id LIMIT 1")
    )
    survey_round = surveys.create_round(
        actor,
        association,
        surveys.RoundData(
            year=year,
            instrument_id=instrument_id,
            group_ids=[group.id],
            opens_on=dt.date(year, 8, 15),
            closes_on=dt.date(year, 9, 30),
            min_answers=association.min_survey_answers,
        ),
    )
    # A round of another year (so it never meets the real ones), open today: its dates
    # are moved by hand to straddle today (the service keeps them within its year).
    survey_round.opens_on = groups.today()
    survey_round.closes_on = groups.today() + dt.timedelta(days=14)
    surveys.open_round(actor, survey_round)
    # The invitations' mail is never sent: this is a benchmark database.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id > mail_before))
    salts = db.session.scalars(
        sa.select(Invitation.token_salt)
        .where(Invitation.round_id == survey_round.id)
        .order_by(Invitation.id)
    ).all()
    keys = surveys.round_keys(survey_round.id)  # links derive from the round's own secret
    db.session.commit()
    assert keys is not None
    return [crypto.link_token(keys.link_secret, salt) for salt in salts]


def _respondents(slug: str, respondents: int) -> tuple[Any, Any, Any]:
    """The load's association, its admin and its group, with enough current members."""
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.groups import services as groups
    from portal.groups.models import Group, Membership, MembershipRole
    from portal.organisations import services as organisations
    from portal.organisations.models import Agency, AgencyKind, Association
    from portal.people import services as people

    actor = db.session.scalar(sa.select(User).where(User.email == f"admin@{slug}.example.org"))
    if actor is None:
        actor = User(email=f"admin@{slug}.example.org", name="Bench Admin", is_platform_admin=True)
        db.session.add(actor)
        db.session.flush()
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None:
        data = organisations.AssociationData(name="Benchmark: svarande", slug=slug)
        association = organisations.create_association(actor, data)
        for name, kind in (("Kommunen", AgencyKind.MUNICIPALITY), ("Staten", AgencyKind.STATE)):
            organisations.create_agency(
                actor, association, organisations.AgencyData(name=name, kind=kind)
            )
        db.session.flush()
    agencies = db.session.scalars(
        sa.select(Agency).where(Agency.association_id == association.id).order_by(Agency.id)
    ).all()
    group = db.session.scalar(
        sa.select(Group).where(
            Group.association_id == association.id, Group.name == RESPONDENT_GROUP
        )
    )
    if group is None:
        data = groups.GroupData(name=RESPONDENT_GROUP, municipality_ids=[agencies[0].id])
        group = groups.create_group(actor, association, data)
    have = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.group_id == group.id)
    )
    for i in range(have or 0, respondents):
        person = people.PersonData(
            name=f"Svarande {i + 1}", email=f"svar{i + 1}@{slug}.example.org"
        )
        user, _created = people.add_person(actor, association, person)
        seat = groups.MembershipData(
            user_id=user.id,
            agency_id=agencies[i % len(agencies)].id,
            role=MembershipRole.MEMBER,
            valid_from=groups.today() - dt.timedelta(days=30),
        )
        groups.add_membership(actor, group, seat)
    db.session.flush()
    return association, actor, group


def api_token(association_id: int) -> str | None:
    """A new API token for the association (earlier benchmark tokens deleted), or None
    while the API is not built."""
    try:
        from portal.api import services as api
        from portal.api.models import ApiToken
    except ImportError:
        return None
    from portal.extensions import db
    from portal.organisations.models import Association, AssociationRole, AssociationRoleName

    db.session.execute(
        sa.delete(ApiToken).where(
            ApiToken.association_id == association_id, ApiToken.name == "Benchmark"
        )
    )
    association = db.session.get(Association, association_id)
    admin = db.session.scalar(
        sa.select(AssociationRole).where(
            AssociationRole.association_id == association_id,
            AssociationRole.role == AssociationRoleName.ADMIN,
        )
    )
    assert association is not None
    assert admin is not None
    _token, secret = api.create_token(admin.user, association, "Benchmark")
    db.session.commit()
    return secret


def close_load_round(slug: str, year_offset: int) -> tuple[float, int, int]:
    """Close the load's round (``open_load_round``) through the survey service, as the
    close button does: (seconds, invitations, answered)."""
    import time

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.groups import services as groups
    from portal.organisations.models import Association
    from portal.surveys import services as surveys
    from portal.surveys.models import Invitation, SurveyRound

    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    actor = db.session.scalar(sa.select(User).where(User.email == f"admin@{slug}.example.org"))
    survey_round = db.session.scalar(
        sa.select(SurveyRound).where(
            SurveyRound.association_id == association.id,
            SurveyRound.year == groups.today().year + year_offset,
        )
    )
    counts = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Invitation.answered.is_(True))).where(
            Invitation.round_id == survey_round.id
        )
    ).one()
    db.session.commit()
    started = time.perf_counter()
    surveys.close_round(actor, survey_round)
    db.session.commit()
    return time.perf_counter() - started, int(counts[0]), int(counts[1])
