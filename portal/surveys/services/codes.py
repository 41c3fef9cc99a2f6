"""Participant codes (source CODES): issued per group of an open round, shown once in
the issuing response, withdrawn when a sheet is lost.

A code is an invitation without a person: no membership, no agency kind, the group
set, and the hash of the token the code stands for (``crypto.code_token``, keyed by the
round's link secret). Everything a link's invitation has follows from that: drafts,
the sealed ballot, one response per code, nothing late.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.db import affected_rows, utcnow
from portal.extensions import db
from portal.surveys import crypto
from portal.surveys.models import CodeBatch, Invitation, RespondentSource, SurveyRound
from portal.surveys.schedule import accepts_answers
from portal.surveys.services.links import round_keys

MAX_CODES = 200  # 25 pages of slips (a QR code takes segno about 30–60 ms); more in batches


class AlreadyIssuedError(DomainError):
    """The form was submitted before: its codes went to that response."""


@dataclass(frozen=True)
class IssuedCodes:
    """A new batch and its codes, in clear, for the one response that shows them."""

    batch: CodeBatch
    codes: list[str]


def issue_codes(
    actor: User | None,
    survey_round: SurveyRound,
    group_id: int,
    count: int,
    request_key: str,
) -> IssuedCodes:
    """Issue ``count`` codes for one of the round's groups. The codes are returned and
    never stored: the database keeps their keyed hashes only."""
    if survey_round.source is not RespondentSource.CODES:
        raise DomainError(_("This round's respondents are not reached with codes."))
    if not accepts_answers(survey_round):
        raise DomainError(_("Codes can only be issued while the round is open."))
    group = next((g for g in survey_round.groups if g.id == group_id), None)
    if group is None:
        raise DomainError(_("Choose one of the round's groups."), "group_id")
    if not 1 <= count <= MAX_CODES:
        raise DomainError(_("Issue between 1 and %(max)d codes at a time.", max=MAX_CODES), "count")
    if db.session.scalar(sa.select(CodeBatch.id).where(CodeBatch.request_key == request_key)):
        raise AlreadyIssuedError(
            _(
                "These codes were issued by an earlier submit of the same form, and shown "
                "only in its response. If that sheet is lost, withdraw its unused codes and "
                "issue new ones."
            )
        )
    keys = round_keys(survey_round.id)
    if keys is None:  # an open round has its keys
        raise DomainError(_("The round has closed."))
    batch = CodeBatch(
        round_id=survey_round.id,
        group_id=group.id,
        issued_by_id=actor.id if actor is not None else None,
        issued=count,
        request_key=request_key,
    )
    db.session.add(batch)
    db.session.flush()
    codes: list[str] = []
    rows = []
    while len(codes) < count:
        code = crypto.new_code()
        if code in codes:
            continue
        codes.append(code)
        rows.append(
            {
                "round_id": survey_round.id,
                "group_id": group.id,
                "membership_id": None,
                "agency_kind": None,
                "token_salt": crypto.new_salt(),
                "token_hash": crypto.token_hash(crypto.code_token(keys.link_secret, code)),
                "code_batch_id": batch.id,
                "invited_at": batch.issued_at,
            }
        )
    db.session.execute(sa.insert(Invitation), rows)
    audit.record(
        actor=actor,
        action="survey_codes.issue",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=f"{survey_round.year}: {group.name}",
        after={"group": group.name, "codes": count},
    )
    return IssuedCodes(batch=batch, codes=codes)


def batches_of(
    survey_round: SurveyRound, group_ids: frozenset[int] | None = None
) -> list[CodeBatch]:
    """The round's batches, newest first (only ``group_ids``' when given)."""
    query = sa.select(CodeBatch).where(CodeBatch.round_id == survey_round.id)
    if group_ids is not None:
        query = query.where(CodeBatch.group_id.in_(group_ids))
    return list(db.session.scalars(query.order_by(CodeBatch.issued_at.desc(), CodeBatch.id.desc())))


def load_batch(survey_round: SurveyRound, batch_id: int) -> CodeBatch | None:
    """A batch of this round, or None."""
    return db.session.scalar(
        sa.select(CodeBatch).where(CodeBatch.id == batch_id, CodeBatch.round_id == survey_round.id)
    )


def withdraw_batch(actor: User | None, survey_round: SurveyRound, batch: CodeBatch) -> int:
    """Make the batch's unused codes stop working (a lost or spoilt sheet): their
    invitations, and any draft one of them saved, are deleted; the used ones stay
    counted. Returns how many were withdrawn."""
    if not survey_round.is_open:
        raise DomainError(_("Codes can only be withdrawn while the round is open."))
    if batch.withdrawn_at is not None:
        raise DomainError(_("The unused codes of this sheet were withdrawn already."))
    result = db.session.execute(
        sa.delete(Invitation).where(
            Invitation.code_batch_id == batch.id, Invitation.answered.is_(False)
        )
    )
    withdrawn = affected_rows(result)
    batch.withdrawn = withdrawn
    batch.withdrawn_at = utcnow()
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_codes.withdraw",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=f"{survey_round.year}: {batch.group.name}",
        after={"group": batch.group.name, "codes": withdrawn},
    )
    return withdrawn
