"""Demo survey rounds for the Gävleborg demo: 2023, 2024 and 2025 closed, and the
current year's open, with some answers already in (sealed until it closes) and
links that work for the others (``respondent_links``).

Answers are invented but plausible: slowly improving year on year, some "don't know",
free text reviewed (one withheld because it names a person), and a couple of groups with
fewer answers than k each year so that the hidden cells show. Loading twice changes
nothing: a year that already has a round is left alone.

Every respondent group has a published instrument version: the demo instrument (the four
quoted questions) for the managers, example questionnaires for the others
(``example_instruments``).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid

import sqlalchemy as sa
from flask import current_app

from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Group, Membership
from portal.organisations.models import Association
from portal.surveys import crypto, services
from portal.surveys.demo_rounds import close_past_round, draft_round
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import (
    Answer,
    Instrument,
    Invitation,
    RespondentGroup,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
    TextReview,
)

DEMO_FILE = "data/demo-instrument.json"
# Example questionnaires for the other respondent groups (issue 22): invented wording on
# the demo instrument's indicator codes, marked as examples throughout.
EXAMPLE_FILES = (
    "data/example-styrelse.json",
    "data/example-personal.json",
    "data/example-remittenter.json",
    "data/example-deltagare-pagaende.json",
    "data/example-deltagare-avslutade.json",
)
NATIONAL_FILE = "docs/examples/national-reference.csv"
YEARS = (2023, 2024, 2025)
FEW_ANSWERS = {"Mysam Ockelbo", "Mysam Hofors"}  # below k every year: the hiding shows
FREE_TEXT = {
    "F1": [
        "Vi känner varandra bättre nu och det är lättare att ringa varandra.",
        "Bra att förbundet håller i mötesplaneringen.",
        "Gemensamma ärendedragningar har gett resultat.",
        "Kortare väg mellan Arbetsförmedlingen och socialtjänsten.",
    ],
    "F2": [
        "Alla parter behöver delta kontinuerligt, det är för stor omsättning.",
        "Tydligare mål, syfte, roller och ansvar för gruppen.",
        "Trögt att få igång gemensamma insatser.",
        "Mer stöd från förbundet i att prioritera utvecklingsområden.",
    ],
}
WITHHELD = "Samarbetet med Per på kommunen fungerar inte alls."


def _import(name: str) -> Instrument:
    """Store and publish a file of ``data/`` (unchanged when it is there already)."""
    path = current_app.root_path + "/surveys/" + name
    with open(path, encoding="utf-8") as handle:
        instrument, _outcome = services.import_instrument(None, parse_instrument(handle.read()))
    return instrument


def _instrument() -> Instrument:
    return _import(DEMO_FILE)


def example_instruments() -> dict[RespondentGroup, Instrument]:
    """The published version for every respondent group: the demo instrument for the
    managers, and an example questionnaire, labelled as such, for each other group."""
    found = {RespondentGroup.MANAGERS: _instrument()}
    for name in EXAMPLE_FILES:
        instrument = _import(name)
        found[instrument.respondent_group] = instrument
    return found


def load_national_reference() -> None:
    """Load ``docs/examples/national-reference.csv`` unless its years are already there."""
    from portal.config import PROJECT_ROOT
    from portal.surveys.national import NationalReference, import_national

    loaded = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(NationalReference)
        .where(NationalReference.year.in_(YEARS))
    )
    if not loaded:
        import_national(None, (PROJECT_ROOT / NATIONAL_FILE).read_bytes())


def load_demo(association: Association) -> None:
    """Add the closed 2023–2025 rounds with anonymous answers (idempotent)."""
    load_national_reference()
    instrument = example_instruments()[RespondentGroup.MANAGERS]
    groups = list(
        db.session.scalars(
            sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
        )
    )
    for year in YEARS:
        exists = db.session.scalar(
            sa.select(SurveyRound.id).where(
                SurveyRound.association_id == association.id,
                SurveyRound.year == year,
                SurveyRound.respondent_group == RespondentGroup.MANAGERS,
            )
        )
        if exists is None and groups:
            _round(association, instrument, groups, year)
    db.session.flush()
    _open_round(association, instrument, groups)


def _open_round(association: Association, instrument: Instrument, groups: list[Group]) -> None:
    """This year's round, open until the end of the year: every member invited (the
    mail waits in the outbox with a marker where the link goes), and about half of
    each group's answers already submitted, as sealed ballots."""
    from portal.groups.services import today
    from portal.surveys import answering

    day = today()
    if day.year in YEARS or not groups:
        return
    exists = db.session.scalar(
        sa.select(SurveyRound.id).where(
            SurveyRound.association_id == association.id,
            SurveyRound.year == day.year,
            SurveyRound.respondent_group == RespondentGroup.MANAGERS,
        )
    )
    if exists is not None:
        return
    survey_round = SurveyRound(
        association_id=association.id,
        year=day.year,
        instrument_id=instrument.id,
        opens_on=max(dt.date(day.year, 1, 1), day - dt.timedelta(days=14)),
        closes_on=dt.date(day.year, 12, 31),
        min_answers=association.min_survey_answers,
        status=RoundStatus.DRAFT,
    )
    survey_round.groups = groups
    db.session.add(survey_round)
    db.session.flush()
    services.open_round(None, survey_round)
    keys = services.round_keys(survey_round.id)
    assert keys is not None
    rng = random.Random(f"{association.slug}-{day.year}")  # noqa: S311 - demo data
    invitations = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.round_id == survey_round.id)
        .order_by(Invitation.group_id, Invitation.id)
    ).all()
    by_group: dict[int | None, list[Invitation]] = {}
    for invitation in invitations:
        by_group.setdefault(invitation.group_id, []).append(invitation)
    for members in by_group.values():
        for invitation in members[1 : 1 + len(members) // 2]:  # the first of each stays open
            access = answering.find(crypto.link_token(keys.link_secret, invitation.token_salt))
            assert access is not None
            answers = {
                q.code: str(min(7, max(1, round(rng.gauss(4.8, 1.3)))))
                for q in access.questions
                if q.is_scale
            }
            answering.submit(access, answers)
    db.session.flush()


def respondent_links(association: Association, count: int = 3) -> list[tuple[str, str, str]]:
    """(name, group, link) of ``count`` members who have not answered this year's open
    round, from different groups: to answer the survey as a member does."""
    from portal.accounts.models import User

    survey_round = db.session.scalar(
        sa.select(SurveyRound).where(
            SurveyRound.association_id == association.id,
            SurveyRound.status == RoundStatus.OPEN,
            SurveyRound.respondent_group == RespondentGroup.MANAGERS,
        )
    )
    if survey_round is None:
        return []
    rows = db.session.execute(
        sa.select(Invitation, User.name, Group.name)
        .join(Membership, Membership.id == Invitation.membership_id)
        .join(User, User.id == Membership.user_id)
        .join(Group, Group.id == Invitation.group_id)
        .where(Invitation.round_id == survey_round.id, Invitation.answered.is_(False))
        .order_by(Group.name, Invitation.id)
    ).all()
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for invitation, name, group in rows:
        if group not in seen and len(out) < count:
            seen.add(group)
            out.append((name, group, services.survey_link(invitation)))
    return out


def _round(
    association: Association, instrument: Instrument, groups: list[Group], year: int
) -> None:
    survey_round = draft_round(association, instrument, year, groups=groups)
    rng = random.Random(f"{association.slug}-{year}")  # noqa: S311 - demo data, not security
    for group in groups:
        invitations = _invite(survey_round, group, secrets.token_bytes(32))  # a closed round's
        answering = 2 if group.name in FEW_ANSWERS else max(3, len(invitations) - rng.randint(0, 2))
        for invitation in invitations[: min(answering, len(invitations))]:
            invitation.answered = True
            _response(survey_round, instrument, invitation, rng, year)
    close_past_round(survey_round)


def _invite(survey_round: SurveyRound, group: Group, link_secret: bytes) -> list[Invitation]:
    day = survey_round.opens_on
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.valid_from <= day,
            sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= day),
        )
        .order_by(Membership.user_id, Membership.id)
    ).all()
    seen: set[int] = set()
    out = []
    for membership in memberships:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        salt = crypto.new_salt()
        token = crypto.link_token(link_secret, salt)
        invitation = Invitation(
            round_id=survey_round.id,
            group_id=group.id,
            membership_id=membership.id,
            agency_kind=membership.agency.kind,
            token_salt=salt,
            token_hash=crypto.token_hash(token),
            invited_at=utcnow(),
        )
        db.session.add(invitation)
        out.append(invitation)
    return out


def _response(
    survey_round: SurveyRound,
    instrument: Instrument,
    invitation: Invitation,
    rng: random.Random,
    year: int,
) -> None:
    response = SurveyResponse(
        id=uuid.uuid4(),
        round_id=survey_round.id,
        group_id=invitation.group_id,
    )
    lift = year - YEARS[0]  # things get a little better each year
    for question in instrument.questions:
        if question.is_scale:
            if rng.random() < 0.08:
                response.answers.append(Answer(question_id=question.id, dont_know=True))
                continue
            value = min(7, max(1, round(rng.gauss(4.2 + 0.5 * lift, 1.4))))
            response.answers.append(Answer(question_id=question.id, value=value))
        elif rng.random() < 0.45:
            text = rng.choice(FREE_TEXT.get(question.code, FREE_TEXT["F1"]))
            review = TextReview.SHOWN
            if question.code == "F2" and rng.random() < 0.05:
                text, review = WITHHELD, TextReview.WITHHELD
            response.answers.append(Answer(question_id=question.id, text=text, review=review))
    db.session.add(response)
