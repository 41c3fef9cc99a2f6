"""A round's life after preparation: open (invite), remind, close (ballots become
responses), and the scheduler's close of rounds whose day has passed."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import lock_row
from portal.core.errors import DomainError
from portal.core.mail import OutboxMessage
from portal.db import utcnow
from portal.extensions import db
from portal.groups import services as group_services
from portal.groups.models import Membership
from portal.surveys import crypto, results
from portal.surveys.models import (
    Answer,
    Ballot,
    Draft,
    Invitation,
    ListEntry,
    RespondentSource,
    RoundKey,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)
from portal.surveys.schedule import accepts_answers
from portal.surveys.services import lists
from portal.surveys.services.links import LINK_MARKER_RE, mail_link, round_keys
from portal.surveys.services.rounds import snapshot


def open_round(actor: User | None, survey_round: SurveyRound) -> int:
    """Open the round: one invitation per respondent of its source, mailed now.

    Members: per current member of each group; a person with several seats in one group
    is invited once for that group, a person in two groups answers for each. Board: per
    current board member; list: per line of the uploaded list (both without a group).
    Returns the number of invitations.

    The round's row is locked first and read again: two opens at once (a double
    click, two admins), or an open and a list upload, run one after the other, and the
    second finds the round opened.
    """
    db.session.flush()  # the caller's own changes first: the lock reads the row again
    lock_row(survey_round)
    if not survey_round.is_draft:
        raise DomainError(_("The round has already been opened."))
    today = group_services.today()
    if not survey_round.opens_on <= today <= survey_round.closes_on:
        raise DomainError(_("A round can be opened from its opening day until its closing day."))
    keys = crypto.new_round_keys()
    source = survey_round.source
    if source == RespondentSource.MEMBERS:
        invitations = _member_invitations(survey_round, keys, today)
    elif source == RespondentSource.BOARD:
        invitations = _board_invitations(survey_round, keys)
    elif source == RespondentSource.LIST:
        invitations = _list_invitations(survey_round, keys)
    else:  # participant codes: the round opens with none; codes are issued later
        invitations = []
    for invitation in invitations:
        db.session.add(invitation)
    if not invitations and source != RespondentSource.CODES:
        raise DomainError(
            {
                RespondentSource.BOARD: _("The association's board has no members to invite."),
                RespondentSource.LIST: _("Upload the list of respondents before opening."),
            }.get(source, _("The chosen groups have no current members to invite."))
        )
    before = snapshot(survey_round)
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
        after={**snapshot(survey_round), "invitations": len(invitations)},
    )
    return len(invitations)


def _invitation(survey_round: SurveyRound, keys: crypto.RoundKeys, **who: object) -> Invitation:
    salt = crypto.new_salt()
    token = crypto.link_token(keys.link_secret, salt)
    return Invitation(
        round_id=survey_round.id, token_salt=salt, token_hash=crypto.token_hash(token), **who
    )


def _member_invitations(
    survey_round: SurveyRound, keys: crypto.RoundKeys, today: dt.date
) -> list[Invitation]:
    """One invitation per current member of each of the round's groups."""
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
    for membership in memberships:
        if (membership.group_id, membership.user_id) in seen:
            continue
        seen.add((membership.group_id, membership.user_id))
        invitations.append(
            _invitation(
                survey_round,
                keys,
                group_id=membership.group_id,
                membership=membership,
                agency_kind=membership.agency.kind,
            )
        )
    return invitations


def _board_invitations(survey_round: SurveyRound, keys: crypto.RoundKeys) -> list[Invitation]:
    """One invitation per current board member, at the association level (no group)."""
    return [
        _invitation(survey_round, keys, user=user)
        for user in lists.board_members(survey_round.association_id)
    ]


def _list_invitations(survey_round: SurveyRound, keys: crypto.RoundKeys) -> list[Invitation]:
    """One invitation per line of the uploaded list, at the association level."""
    return [
        _invitation(survey_round, keys, entry=entry) for entry in lists.list_entries(survey_round)
    ]


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
    if survey_round.source is RespondentSource.CODES:
        raise DomainError(_("Participant codes name nobody to remind."))
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
        .options(selectinload(Invitation.user), selectinload(Invitation.entry))
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
    before = snapshot(survey_round)
    _write_responses(survey_round)
    survey_round.status = RoundStatus.CLOSED
    survey_round.closed_at = utcnow()
    invitation_ids = sa.select(Invitation.id).where(Invitation.round_id == survey_round.id)
    db.session.execute(sa.delete(Draft).where(Draft.invitation_id.in_(invitation_ids)))
    db.session.execute(sa.delete(Ballot).where(Ballot.round_id == survey_round.id))
    db.session.execute(sa.delete(RoundKey).where(RoundKey.round_id == survey_round.id))
    _forget_list(survey_round)
    db.session.flush()
    db.session.execute(results.totals_insert([survey_round.id]))  # the yearly rollup
    audit.record(
        actor=actor,
        action="survey_round.close",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=str(survey_round.year),
        before=before,
        after=snapshot(survey_round),
    )


def _forget_list(survey_round: SurveyRound) -> None:
    """Delete the round's uploaded list and every trace of its addresses: the mail sent
    to them (invitations and reminders, found by their link markers) and the
    invitations' link salt and hash, replaced by random values so that no logged link's
    hash matches them any more (as the retention rule does for members' invitations).
    The invitations keep only whether they were answered, for the response rate."""
    listed = db.session.execute(
        sa.select(Invitation.id, ListEntry.email)
        .join(ListEntry, ListEntry.id == Invitation.entry_id)
        .where(Invitation.round_id == survey_round.id)
    ).all()
    if listed:
        invitation_ids = {invitation_id for invitation_id, _email in listed}
        mailed = db.session.execute(
            sa.select(OutboxMessage.id, OutboxMessage.body_text).where(
                OutboxMessage.association_id == survey_round.association_id,
                OutboxMessage.recipient.in_({email for _id, email in listed}),
            )
        ).all()
        mail_ids = [
            message_id
            for message_id, body in mailed
            if {int(found) for found in LINK_MARKER_RE.findall(body)} & invitation_ids
        ]
        if mail_ids:
            db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(mail_ids)))
        db.session.execute(
            sa.update(Invitation),
            [
                {
                    "id": invitation_id,
                    "entry_id": None,
                    "token_salt": secrets.token_hex(32),
                    "token_hash": secrets.token_hex(32),
                }
                for invitation_id, _email in listed
            ],
        )
    db.session.execute(sa.delete(ListEntry).where(ListEntry.round_id == survey_round.id))


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
        responses.append(
            # 0: an association-level ballot (board, list), which has no group
            {"id": response_id, "round_id": survey_round.id, "group_id": group_id or None}
        )
        for question in questions:
            if question.code in values:
                answers.append(
                    {"response_id": response_id, **answer_row(question, values[question.code])}
                )
    db.session.execute(sa.insert(SurveyResponse), responses)
    if answers:
        db.session.execute(sa.insert(Answer), answers)


SEALED_TABLES = ("survey_ballots", "survey_drafts", "survey_round_keys", "survey_list_entries")


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
