"""Retention: how long each category of personal data is kept, and the run that culls it.

Each rule has a default (``RULES``) the platform admin may change (a ``RetentionRule``
row). A rule applies on the day its period is over: data that reached its age today
goes, data one day younger stays. Approved minutes, adopted plans and board summaries
are records and no rule touches them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import LoginToken, RecoveryCode, User, UserSession
from portal.core import audit
from portal.core.audit import Actor, AuditEvent
from portal.core.concurrency import bump, check_version, first_row
from portal.core.errors import DomainError
from portal.core.mail import MailStatus, OutboxMessage
from portal.extensions import db
from portal.groups.models import Membership
from portal.meetings.models import AnswerLink, Invitee, Meeting, Substitute
from portal.organisations.models import AssociationRole
from portal.people.models import EmailChange, RegisterInvitation
from portal.privacy.models import RetentionRule
from portal.surveys.models import Invitation, RoundStatus, SurveyRound

ERASED_DOMAIN = "raderad.invalid"


@dataclass(frozen=True)
class Rule:
    """One category of data and how long it is kept by default (days)."""

    category: str
    label: object
    default_days: int
    what: object


RULES: tuple[Rule, ...] = (
    Rule(
        "mail_copies", _l("Copies of e-mail sent"), 90,
        _l("Sent and failed messages are deleted from the outbox (links are removed from "
           "every message as soon as it is delivered)."),
    ),
    Rule(
        "ended_contacts", _l("Contact details of people who left"), 730,
        _l("After a person's last membership ended, their e-mail address, password and "
           "two-factor sign-in are removed; the name stays in the records."),
    ),
    Rule(
        "audit_details", _l("Details in the audit log"), 730,
        _l("The values before and after a change are removed from audit entries; who did "
           "what and when stays."),
    ),
    Rule(
        "survey_invitations", _l("Who was invited to a survey round"), 30,
        _l("After a round closed, its invitations lose the person they were sent to and "
           "their link; group, agency kind and whether it was answered stay for the "
           "response rates. (The links stop working when the round closes.)"),
    ),
    Rule(
        "meeting_answers", _l("Answer links and substitutes' addresses"), 90,
        _l("After a meeting ended, the personal links in its notices are deleted and the "
           "e-mail addresses typed for substitutes outside the register are removed; the "
           "substitute's name stays in the attendance."),
    ),
    Rule(
        "invitations", _l("Invitations and sign-in links"), 30,
        _l("Register invitations, password links and address changes are deleted once "
           "they expired."),
    ),
)  # fmt: skip
RULES_BY_CATEGORY = {rule.category: rule for rule in RULES}
KEPT_AS_RECORDS = (
    _l("Approved minutes"),
    _l("Adopted action plans"),
    _l("Board summaries and their analysis texts"),
)


@dataclass(frozen=True)
class RuleSetting:
    """A rule with the days in force and the version its form carries (0: the default)."""

    rule: Rule
    days: int
    lock_version: int


def settings() -> list[RuleSetting]:
    """Every rule with its days in force."""
    stored = {row.category: row for row in db.session.scalars(sa.select(RetentionRule))}
    out = []
    for rule in RULES:
        row = stored.get(rule.category)
        out.append(
            RuleSetting(
                rule, row.days if row else rule.default_days, row.lock_version if row else 0
            )
        )
    return out


def days_for(category: str) -> int:
    """The days in force for one category."""
    row = db.session.get(RetentionRule, category)
    return row.days if row is not None else RULES_BY_CATEGORY[category].default_days


def _stored_or_first(rule: Rule) -> RetentionRule:
    """The stored rule, or a first row at version 0 holding the default."""
    stored = db.session.get(RetentionRule, rule.category)
    if stored is not None:
        return stored

    def insert() -> RetentionRule:
        new = RetentionRule(category=rule.category, days=rule.default_days, lock_version=0)
        db.session.add(new)
        db.session.flush()
        return new

    row, _created = first_row(insert, lambda: db.session.get(RetentionRule, rule.category))
    return row


def set_days(actor: Actor, category: str, days: int, seen: int | None) -> RetentionRule:
    """Change a rule's period (``StaleEditError`` when someone changed it first)."""
    rule = RULES_BY_CATEGORY.get(category)
    if rule is None:
        raise DomainError("unknown category", "category")
    row = _stored_or_first(rule)
    check_version(row, seen)
    before = {"days": row.days}
    row.days = days
    row.updated_by_id = actor.id
    bump(row)
    if before["days"] != days:
        audit.record(
            actor=actor, action="retention.update", obj=row, association_id=None,
            summary=category, before=before, after={"days": days},
        )  # fmt: skip
    return row


class RetentionRun:
    """What an audit entry of a run is about: the rules as a whole (no row of its own)."""

    id = None


@dataclass
class Finding:
    """What one rule removes (or would remove): a count and a line per item."""

    category: str
    items: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


def _mail_copies(cutoff: dt.datetime, apply: bool) -> list[str]:
    old = sa.or_(
        sa.and_(OutboxMessage.status == MailStatus.SENT, OutboxMessage.sent_at <= cutoff),
        sa.and_(OutboxMessage.status == MailStatus.FAILED, OutboxMessage.created_at <= cutoff),
    )
    rows = db.session.scalars(sa.select(OutboxMessage).where(old).order_by(OutboxMessage.id))
    items = [f"outbox message {m.id} ({m.status.value}, {m.created_at:%Y-%m-%d})" for m in rows]
    if apply:
        db.session.execute(sa.delete(OutboxMessage).where(old))
    return items


def _left_before(cutoff_day: dt.date) -> sa.Select[tuple[int]]:
    """People whose every membership ended on or before ``cutoff_day``, with no role left."""
    last_end = (
        sa.select(Membership.user_id)
        .group_by(Membership.user_id)
        .having(sa.func.count() == sa.func.count(Membership.valid_to))
        .having(sa.func.max(Membership.valid_to) <= cutoff_day)
    )
    return (
        sa.select(User.id)
        .where(User.id.in_(last_end), User.is_platform_admin.is_(False))
        .where(~User.email.endswith(f"@{ERASED_DOMAIN}"))
        .where(~sa.exists().where(AssociationRole.user_id == User.id))
    )


def _ended_contacts(cutoff: dt.datetime, apply: bool) -> list[str]:
    ids = list(db.session.scalars(_left_before(cutoff.date()).order_by(User.id)))
    if apply:
        for user in db.session.scalars(sa.select(User).where(User.id.in_(ids))):
            remove_contact_details(user)
    return [f"contact details of person {user_id}" for user_id in ids]


def remove_contact_details(user: User) -> None:
    """Take away what reaches or signs in as the person: address, password, second factor."""
    user.email = f"person-{user.id}@{ERASED_DOMAIN}"
    user.password_hash = None
    user.totp_secret = None
    user.totp_last_step = None
    user.active = False
    user.session_version += 1
    for model in (UserSession, RecoveryCode, LoginToken, EmailChange):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))


def _audit_details(cutoff: dt.datetime, apply: bool) -> list[str]:
    detailed = sa.and_(
        AuditEvent.occurred_at <= cutoff,
        sa.or_(AuditEvent.before.is_not(None), AuditEvent.after.is_not(None)),
    )
    ids = list(db.session.scalars(sa.select(AuditEvent.id).where(detailed).order_by(AuditEvent.id)))
    if apply and ids:
        db.session.execute(
            sa.update(AuditEvent)
            .where(AuditEvent.id.in_(ids))
            .values(before=sa.null(), after=sa.null())
        )
    return [f"details of audit entry {event_id}" for event_id in ids]


def _invitations(cutoff: dt.datetime, apply: bool) -> list[str]:
    items: list[str] = []
    for model, label in (
        (RegisterInvitation, "register invitation"),
        (LoginToken, "sign-in link"),
        (EmailChange, "address change"),
    ):
        old = model.expires_at <= cutoff
        ids = list(db.session.scalars(sa.select(model.id).where(old).order_by(model.id)))
        items += [f"{label} {row_id}" for row_id in ids]
        if apply:
            db.session.execute(sa.delete(model).where(old))
    return items


def _survey_invitations(cutoff: dt.datetime, apply: bool) -> list[str]:
    closed = sa.select(SurveyRound.id).where(
        SurveyRound.status == RoundStatus.CLOSED, SurveyRound.closed_at <= cutoff
    )
    linked = sa.and_(
        Invitation.round_id.in_(closed),
        sa.or_(Invitation.membership_id.is_not(None), Invitation.user_id.is_not(None)),
    )
    ids = list(db.session.scalars(sa.select(Invitation.id).where(linked).order_by(Invitation.id)))
    if apply:
        for invitation_id in ids:
            # Random salt and hash: the link's hash no longer matches any token in a log.
            db.session.execute(
                sa.update(Invitation)
                .where(Invitation.id == invitation_id)
                .values(
                    membership_id=None,
                    user_id=None,  # a board member's (issue 22)
                    token_salt=secrets.token_hex(32),
                    token_hash=secrets.token_hex(32),
                )
            )
    return [f"person of survey invitation {invitation_id}" for invitation_id in ids]


def _meeting_answers(cutoff: dt.datetime, apply: bool) -> list[str]:
    ended = sa.select(Meeting.id).where(Meeting.ends_at <= cutoff)
    seats = sa.select(Invitee.id).where(Invitee.meeting_id.in_(ended))
    links = list(
        db.session.scalars(
            sa.select(AnswerLink.id).where(AnswerLink.invitee_id.in_(seats)).order_by(AnswerLink.id)
        )
    )
    typed = sa.and_(Substitute.invitee_id.in_(seats), Substitute.email.is_not(None))
    addresses = list(
        db.session.scalars(sa.select(Substitute.id).where(typed).order_by(Substitute.id))
    )
    if apply:
        db.session.execute(sa.delete(AnswerLink).where(AnswerLink.id.in_(links)))
        db.session.execute(sa.update(Substitute).where(typed).values(email=None))
    return [f"answer link {link_id}" for link_id in links] + [
        f"address of substitute {substitute_id}" for substitute_id in addresses
    ]


CULLERS: dict[str, Callable[[dt.datetime, bool], list[str]]] = {
    "mail_copies": _mail_copies,
    "ended_contacts": _ended_contacts,
    "audit_details": _audit_details,
    "invitations": _invitations,
    "survey_invitations": _survey_invitations,
    "meeting_answers": _meeting_answers,
}


def run(now: dt.datetime, *, dry_run: bool) -> list[Finding]:
    """Apply every rule as of ``now`` (or, with ``dry_run``, only list what would go).

    The caller commits; one audit entry (counts only) records a real run.
    """
    findings = []
    for setting in settings():
        cutoff = now - dt.timedelta(days=setting.days)
        items = CULLERS[setting.rule.category](cutoff, not dry_run)
        findings.append(Finding(setting.rule.category, items))
    if not dry_run and any(f.count for f in findings):
        audit.record(
            actor=None, action="retention.run", obj=RetentionRun(), association_id=None,
            summary=", ".join(f"{f.category}: {f.count}" for f in findings),
        )  # fmt: skip
    return findings
