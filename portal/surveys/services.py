"""Instrument versions and survey rounds: import, prepare, open, remind, close, follow.

Services flush and never commit; mail goes through the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from portal.accounts.models import User
from portal.core import audit, mail
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.core.mail import MailStatus, OutboxMessage, queue_mail, render_mail
from portal.db import utcnow
from portal.extensions import db
from portal.groups import services as group_services
from portal.groups.models import Group, Membership
from portal.organisations.models import Association
from portal.surveys import crypto, results, schedule
from portal.surveys.instrument import ParsedInstrument
from portal.surveys.models import (
    Answer,
    Ballot,
    Draft,
    Instrument,
    Invitation,
    Question,
    QuestionKind,
    RoundKey,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)

ROUND_FIELDS = (
    "year",
    "instrument",
    "groups",
    "opens_on",
    "closes_on",
    "min_answers",
    "status",
)
LINK_RE = re.compile(r"/survey/[A-Za-z0-9_-]{43}")
LINK_MARKER = "[survey-link:{id}]"
LINK_MARKER_RE = re.compile(r"\[survey-link:(\d+)\]")


# --- instrument versions ---------------------------------------------------------


def is_frozen(instrument: Instrument) -> bool:
    """Whether a round using this version has opened (then it can never change)."""
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyRound)
        .where(SurveyRound.instrument_id == instrument.id, SurveyRound.status != RoundStatus.DRAFT)
    )
    return bool(used)


def import_instrument(actor: User | None, parsed: ParsedInstrument) -> tuple[Instrument, str]:
    """Store a checked instrument version; returns it and "created", "replaced" or "unchanged".

    A version not yet used by an opened round may be imported again (corrections); a
    used one only when the file is identical.
    """
    instrument = db.session.scalar(
        sa.select(Instrument).where(
            Instrument.code == parsed.code, Instrument.version == parsed.version
        )
    )
    if instrument is not None and instrument.definition == parsed.definition:
        return instrument, "unchanged"
    if instrument is not None and is_frozen(instrument):
        raise DomainError(
            _(
                "Version %(version)s of %(code)s is used by a round that has opened and can "
                "no longer change. Give the corrected file a new version.",
                version=parsed.version,
                code=parsed.code,
            )
        )
    outcome = "replaced" if instrument is not None else "created"
    if instrument is None:
        instrument = Instrument(code=parsed.code, version=parsed.version)
        db.session.add(instrument)
    else:
        instrument.questions.clear()
        db.session.flush()
    instrument.title = parsed.title
    instrument.is_example = parsed.is_example
    instrument.notice = parsed.notice
    instrument.definition = parsed.definition
    instrument.imported_at = utcnow()
    for position, q in enumerate(parsed.questions, start=1):
        values = {**vars(q), "kind": QuestionKind(q.kind)}
        instrument.questions.append(Question(position=position, **values))
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_instrument.import",
        obj=instrument,
        association_id=None,
        summary=_("%(code)s %(version)s (replaced)", code=parsed.code, version=parsed.version)
        if outcome == "replaced"
        else _("%(code)s %(version)s (new)", code=parsed.code, version=parsed.version),
        after={"questions": len(parsed.questions), "example": parsed.is_example},
    )
    return instrument, outcome


def instruments() -> list[Instrument]:
    """Every instrument version, newest import first."""
    return list(
        db.session.scalars(
            sa.select(Instrument).order_by(Instrument.imported_at.desc(), Instrument.id.desc())
        )
    )


# --- rounds ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundData:
    """What the round form submits."""

    year: int
    instrument_id: int
    group_ids: list[int]
    opens_on: dt.date
    closes_on: dt.date
    min_answers: int


def _snapshot(survey_round: SurveyRound) -> dict[str, object]:
    return {
        "year": survey_round.year,
        "instrument": survey_round.instrument.label if survey_round.instrument else None,
        "groups": sorted(g.name for g in survey_round.groups),
        "opens_on": survey_round.opens_on.isoformat(),
        "closes_on": survey_round.closes_on.isoformat(),
        "min_answers": survey_round.min_answers,
        "status": survey_round.status.value,
    }


def _apply(association: Association, survey_round: SurveyRound, data: RoundData) -> None:
    schedule.check_dates(data.year, data.opens_on, data.closes_on)
    if data.min_answers < 1:
        raise DomainError(_("At least one answer is needed to show a figure."), "min_answers")
    instrument = db.session.get(Instrument, data.instrument_id)
    if instrument is None:
        raise DomainError(_("Choose an instrument version."), "instrument_id")
    clash = db.session.scalar(
        sa.select(SurveyRound.id).where(
            SurveyRound.association_id == association.id,
            SurveyRound.year == data.year,
            SurveyRound.id != (survey_round.id or 0),
        )
    )
    if clash is not None:
        raise DomainError(_("The association already has a survey round this year."), "year")
    if not data.group_ids:
        raise DomainError(_("Choose at least one group."), "group_ids")
    groups = list(
        db.session.scalars(
            sa.select(Group).where(
                Group.association_id == association.id, Group.id.in_(data.group_ids)
            )
        )
    )
    if len(groups) != len(set(data.group_ids)):
        raise DomainError(_("Choose groups of this association."), "group_ids")
    survey_round.year = data.year
    survey_round.instrument = instrument
    survey_round.groups = groups
    survey_round.opens_on = data.opens_on
    survey_round.closes_on = data.closes_on
    survey_round.min_answers = data.min_answers


def create_round(actor: User, association: Association, data: RoundData) -> SurveyRound:
    """Prepare a round (a draft: nothing is sent until it opens)."""
    survey_round = SurveyRound(association_id=association.id, status=RoundStatus.DRAFT)
    _apply(association, survey_round, data)
    db.session.add(survey_round)
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_round.create",
        obj=survey_round,
        association_id=association.id,
        summary=str(survey_round.year),
        after=_snapshot(survey_round),
    )
    return survey_round


def update_round(
    actor: User,
    association: Association,
    survey_round: SurveyRound,
    data: RoundData,
    lock_version: int | None,
) -> None:
    """Change a round that has not opened yet, unless someone saved it (or opened it)
    since the form was opened."""
    check_version(survey_round, lock_version)
    if not survey_round.is_draft:
        raise DomainError(_("The round has opened; its settings can no longer change."))
    before = _snapshot(survey_round)
    _apply(association, survey_round, data)
    bump(survey_round)
    db.session.flush()
    after = _snapshot(survey_round)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="survey_round.update",
            obj=survey_round,
            association_id=association.id,
            summary=str(survey_round.year),
            before=before,
            after=after,
        )


def delete_round(actor: User, survey_round: SurveyRound) -> None:
    """Remove a round that never opened."""
    if not survey_round.is_draft:
        raise DomainError(_("Only a round that has not opened can be deleted."))
    audit.record(
        actor=actor,
        action="survey_round.delete",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=str(survey_round.year),
        before=_snapshot(survey_round),
    )
    db.session.delete(survey_round)
    db.session.flush()


def round_keys(round_id: int) -> crypto.RoundKeys | None:
    """The round's unwrapped keys, or None once it has closed (they are deleted)."""
    key = db.session.get(RoundKey, round_id)
    if key is None:
        return None
    return crypto.unwrap_round_keys(current_app.config["SECRET_KEY"], round_id, key.wrapped)


def survey_link(invitation: Invitation, keys: crypto.RoundKeys | None = None) -> str:
    """The respondent's personal address, absolute, for e-mail (only while the round's
    keys exist: from its close on, no link can be made again)."""
    keys = keys or round_keys(invitation.round_id)
    if keys is None:
        raise DomainError(_("The round has closed."))
    token = crypto.link_token(keys.link_secret, invitation.token_salt)
    path = current_app.url_map.bind("localhost").build("surveys.respond_enter", {"token": token})
    return str(current_app.config["PORTAL_BASE_URL"]).rstrip("/") + path


def mail_link(
    survey_round: SurveyRound,
    invitation: Invitation,
    keys: crypto.RoundKeys,
    *,
    reminder: bool,
) -> None:
    """Queue the invitation (or a reminder) with a marker where the personal link goes."""
    membership = invitation.membership
    assert membership is not None  # unlinked only after the round, when nothing is sent
    user = membership.user
    link = LINK_MARKER.format(id=invitation.id)  # the link itself only as it is sent
    subject, body = render_mail(
        "surveys/reminder" if reminder else "surveys/invitation",
        user.locale,
        year=survey_round.year,
        group=invitation.group.name,
        closes=survey_round.closes_on,
        link=link,
        association=_association_name(survey_round),
    )
    queue_mail(
        recipient=user.email,
        subject=subject,
        body=body,
        association_id=survey_round.association_id,
    )


def render_links(body: str) -> str:
    """A mail body as it is sent: each link marker replaced by the invitation's link,
    made now from the round's keys; once the round has closed (its keys are gone),
    by a note that the survey has closed. The outbox never holds a usable link."""

    def link(match: re.Match[str]) -> str:
        invitation = db.session.get(Invitation, int(match[1]))
        keys = None if invitation is None else round_keys(invitation.round_id)
        if invitation is None or keys is None:
            return _("(the survey has closed)")
        return survey_link(invitation, keys)

    if "[survey-link:" not in body:
        return body
    return LINK_MARKER_RE.sub(link, body)


mail.BODY_RENDERERS.append(render_links)


def _association_name(survey_round: SurveyRound) -> str:
    association = db.session.get(Association, survey_round.association_id)
    return association.name if association else ""


def open_round(actor: User | None, survey_round: SurveyRound) -> int:
    """Open the round: one invitation per current member of each group, mailed now.

    A person with several seats in one group is invited once for that group; a person in
    two groups answers for each. Returns the number of invitations.
    """
    if not survey_round.is_draft:
        raise DomainError(_("The round has already been opened."))
    today = group_services.today()
    if not survey_round.opens_on <= today <= survey_round.closes_on:
        raise DomainError(_("A round can be opened from its opening day until its closing day."))
    memberships = db.session.scalars(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.group_id.in_([g.id for g in survey_round.groups]),
            Membership.valid_from <= today,
            sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= today),
            User.active.is_(True),
        )
        .options(selectinload(Membership.user), selectinload(Membership.agency))
        .order_by(Membership.group_id, Membership.user_id, Membership.id)
    ).all()
    seen: set[tuple[int, int]] = set()
    invitations = []
    keys = crypto.new_round_keys()
    for membership in memberships:
        if (membership.group_id, membership.user_id) in seen:
            continue
        seen.add((membership.group_id, membership.user_id))
        salt = crypto.new_salt()
        token = crypto.link_token(keys.link_secret, salt)
        invitation = Invitation(
            round_id=survey_round.id,
            group_id=membership.group_id,
            membership=membership,
            agency_kind=membership.agency.kind,
            token_salt=salt,
            token_hash=crypto.token_hash(token),
        )
        db.session.add(invitation)
        invitations.append(invitation)
    if not invitations:
        raise DomainError(_("The chosen groups have no current members to invite."))
    before = _snapshot(survey_round)
    survey_round.status = RoundStatus.OPEN
    survey_round.opened_at = utcnow()
    db.session.add(
        RoundKey(
            round_id=survey_round.id,
            public_key=keys.public_key,
            wrapped=crypto.wrap_round_keys(current_app.config["SECRET_KEY"], survey_round.id, keys),
        )
    )
    db.session.flush()
    for invitation in invitations:
        mail_link(survey_round, invitation, keys, reminder=False)
    audit.record(
        actor=actor,
        action="survey_round.open",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=str(survey_round.year),
        before=before,
        after={**_snapshot(survey_round), "invitations": len(invitations)},
    )
    return len(invitations)


class RoundDates(Protocol):
    """What ``accepts_answers`` reads: a round, or the respondent pages' copy of one."""

    @property
    def is_open(self) -> bool: ...

    @property
    def closes_on(self) -> dt.date: ...


def accepts_answers(survey_round: RoundDates, today: dt.date | None = None) -> bool:
    """Open, and its closing day has not passed (Stockholm time)."""
    today = today or group_services.today()
    return survey_round.is_open and today <= survey_round.closes_on


def send_reminders(
    actor: User | None,
    survey_round: SurveyRound,
    min_interval: dt.timedelta,
    group_ids: frozenset[int] | None = None,
) -> int:
    """Remind those who have not answered and were not contacted within ``min_interval``.

    ``group_ids`` limits the reminders to those groups (a process leader's own).
    """
    if not accepts_answers(survey_round):
        raise DomainError(_("Reminders can only be sent while the round is open."))
    cutoff = utcnow() - min_interval
    last_contact = sa.func.coalesce(Invitation.reminded_at, Invitation.invited_at)
    invitations = db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.round_id == survey_round.id,
            Invitation.answered.is_(False),
            last_contact <= cutoff,
            *([Invitation.group_id.in_(group_ids)] if group_ids is not None else []),
        )
        .options(selectinload(Invitation.membership).selectinload(Membership.user))
        .options(selectinload(Invitation.group))
    ).all()
    now = utcnow()
    keys = round_keys(survey_round.id) if invitations else None
    for invitation in invitations:
        assert keys is not None  # an open round has its keys
        mail_link(survey_round, invitation, keys, reminder=True)
        invitation.reminded_at = now
        invitation.reminders += 1
    db.session.flush()
    if invitations:
        audit.record(
            actor=actor,
            action="survey_round.remind",
            obj=survey_round,
            association_id=survey_round.association_id,
            summary=str(survey_round.year),
            after={"reminders": len(invitations)},
        )
    return len(invitations)


def close_round(actor: User | None, survey_round: SurveyRound) -> None:
    """Close for good: the ballots become responses, and every trace of who sent which
    is deleted.

    In one transaction: the round's row is locked (a submit under way holds a share
    lock on it until it commits, so its ballot is counted; a submit after waits and
    then finds the round closed), every ballot is opened with the round's private key,
    the opened ballots are shuffled with the system's random source and written as
    responses and answers with random keys, in that order; then the ballots, the
    unfinished drafts and the round's keys are deleted. All responses of a round so
    share one transaction id, and their physical order is the shuffle's. Afterwards
    (outside the transaction) ``vacuum_sealed_tables`` removes the deleted rows'
    remains on PostgreSQL.
    """
    if not survey_round.is_open:
        raise DomainError(_("Only an open round can be closed."))
    db.session.execute(
        sa.select(SurveyRound.id).where(SurveyRound.id == survey_round.id).with_for_update()
    )
    before = _snapshot(survey_round)
    _write_responses(survey_round)
    survey_round.status = RoundStatus.CLOSED
    survey_round.closed_at = utcnow()
    invitation_ids = sa.select(Invitation.id).where(Invitation.round_id == survey_round.id)
    db.session.execute(sa.delete(Draft).where(Draft.invitation_id.in_(invitation_ids)))
    db.session.execute(sa.delete(Ballot).where(Ballot.round_id == survey_round.id))
    db.session.execute(sa.delete(RoundKey).where(RoundKey.round_id == survey_round.id))
    db.session.flush()
    db.session.execute(results.totals_insert([survey_round.id]))  # the yearly rollup
    audit.record(
        actor=actor,
        action="survey_round.close",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=str(survey_round.year),
        before=before,
        after=_snapshot(survey_round),
    )


def _write_responses(survey_round: SurveyRound) -> None:
    """Open the round's ballots and write them, shuffled, as responses (bulk inserts)."""
    from portal.surveys.answering import (  # answering builds on this module
        answer_row,
        decode,
        load_questions,
    )

    keys = round_keys(survey_round.id)
    sealed = list(
        db.session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == survey_round.id))
    )
    if not sealed:
        return
    if keys is None:
        raise DomainError(_("The round's keys are missing; its ballots cannot be opened."))
    questions = load_questions(survey_round.instrument_id)
    opened = [
        decode(questions, crypto.open_ballot(keys.private_key, survey_round.id, ballot))
        for ballot in sealed
    ]
    del sealed
    secrets.SystemRandom().shuffle(opened)
    responses: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    for group_id, values in opened:
        response_id = uuid.uuid4()
        responses.append({"id": response_id, "round_id": survey_round.id, "group_id": group_id})
        for question in questions:
            if question.code in values:
                answers.append(
                    {"response_id": response_id, **answer_row(question, values[question.code])}
                )
    db.session.execute(sa.insert(SurveyResponse), responses)
    if answers:
        db.session.execute(sa.insert(Answer), answers)


SEALED_TABLES = ("survey_ballots", "survey_drafts", "survey_round_keys")


def vacuum_sealed_tables() -> bool:
    """PostgreSQL: rewrite the tables of ballots, drafts and keys (``VACUUM FULL``), so
    that the rows a close deleted leave nothing behind in the table files (no dead
    tuples with their transaction ids, no readable free space). Runs outside any
    transaction, after the close has committed; False if it could not run now (the
    ``survey close-due`` command tries again). SQLite needs nothing: its connections
    run with ``secure_delete`` (``portal.db``), which zeroes deleted rows in place.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return True
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("SET lock_timeout = '5s'"))
            for table in SEALED_TABLES:
                connection.execute(sa.text(f"VACUUM FULL {table}"))
    except sa.exc.DBAPIError:
        current_app.logger.warning("VACUUM FULL of the sealed survey tables did not run")
        return False
    return True


def close_due(today: dt.date | None = None) -> list[SurveyRound]:
    """Close every open round whose closing day has passed (the scheduler runs this)."""
    today = today or group_services.today()
    due = db.session.scalars(
        sa.select(SurveyRound).where(
            SurveyRound.status == RoundStatus.OPEN, SurveyRound.closes_on < today
        )
    ).all()
    for survey_round in due:
        close_round(None, survey_round)
    return list(due)


def scrub_delivered_links() -> int:
    """Remove personal survey links from the copies of mail that has been delivered.

    The outbox keeps what it sent; a link there would let a database reader answer in
    someone's name or read their draft. Survey mail is now queued with a marker in
    place of the link (``render_links``), so this only cleans mail queued before.
    """
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.status == MailStatus.SENT, OutboxMessage.body_text.contains("/survey/")
        )
    ).all()
    scrubbed = 0
    for message in messages:
        body = LINK_RE.sub("/survey/[…]", message.body_text)
        if body != message.body_text:
            message.body_text = body
            scrubbed += 1
    db.session.flush()
    return scrubbed


def rounds_of(association: Association) -> list[SurveyRound]:
    """The association's rounds, newest year first."""
    return list(
        db.session.scalars(
            sa.select(SurveyRound)
            .where(SurveyRound.association_id == association.id)
            .options(selectinload(SurveyRound.instrument), selectinload(SurveyRound.groups))
            .order_by(SurveyRound.year.desc())
        )
    )


def load_round(
    association: Association, round_id: int, *options: ExecutableOption
) -> SurveyRound | None:
    """A round of this association (with the eager ``options`` given), or None."""
    return db.session.scalar(
        sa.select(SurveyRound)
        .where(SurveyRound.id == round_id, SurveyRound.association_id == association.id)
        .options(*options)
    )


# --- response rates ---------------------------------------------------------------


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
