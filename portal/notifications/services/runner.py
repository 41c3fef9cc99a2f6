"""``notify run``: decide what is due and queue each reminder exactly once.

Once is guaranteed by ``notifications_sent``: its unique key (kind, recipient, subject,
period) is written in the same transaction as the mail it stands for, so the mail
exists exactly when the key does. Several runners may start at once (a timer on each
app server): on PostgreSQL each takes an association with ``FOR NO KEY UPDATE SKIP
LOCKED`` and the others pass it by; should two still meet on one key, the second
insert fails on the unique key and that runner sends nothing for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.core.mail import queue_mail, render_mail
from portal.core.urls import absolute_url
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Kind, NotificationSent
from portal.notifications.services import settings
from portal.notifications.services.rules import RULES, Due
from portal.organisations.models import Association

logger = logging.getLogger(__name__)


@dataclass
class RunReport:
    """What one run queued, per kind, and what it left alone."""

    queued: Counter[Kind] = field(default_factory=Counter)
    switched_off: int = 0
    already_sent: int = 0
    associations_skipped: int = 0
    failed: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def add(self, other: RunReport) -> None:
        """Count in what one association's committed part queued."""
        self.queued.update(other.queued)
        self.switched_off += other.switched_off
        self.already_sent += other.already_sent
        self.lines += other.lines

    @property
    def total(self) -> int:
        return sum(self.queued.values())


def _claim(association_id: int) -> Association | None:
    """The association, locked for this runner on PostgreSQL; None when another runner
    holds it. ``FOR NO KEY UPDATE`` leaves rows that merely point at it unblocked."""
    stmt = sa.select(Association).where(Association.id == association_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, key_share=True).execution_options(
            populate_existing=True
        )
    return db.session.scalar(stmt)


def _already_sent(association_id: int, due: list[Due]) -> set[tuple[str, str, str, str]]:
    subjects = sorted({d.subject for d in due})
    if not subjects:
        return set()
    rows = db.session.execute(
        sa.select(
            NotificationSent.kind,
            NotificationSent.recipient,
            NotificationSent.subject,
            NotificationSent.period,
        ).where(
            NotificationSent.association_id == association_id,
            NotificationSent.subject.in_(subjects),
        )
    )
    return {(r.kind.value, r.recipient, r.subject, r.period) for r in rows}


def _key(due: Due) -> tuple[str, str, str, str]:
    return (due.kind.value, due.recipient.lower(), due.subject, due.period)


def _context(due: Due) -> tuple[str, dict[str, Any]]:
    """The recipient's language and what the mail's template is given."""
    locale = (due.user.locale if due.user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    late = due.late_context() if due.late_context else {}  # a link marker: no words
    context = {
        **due.context,
        **late,
        "recipient": due.user,
        "settings_url": absolute_url("notifications.edit") if due.user else None,
    }
    return locale, context


def _tidy(body: str) -> str:
    """Template conditionals leave runs of blank lines; a mail reads better with one."""
    return re.sub(r"\n{3,}", "\n\n", body.strip("\n")) + "\n"


def _queue(due: Due) -> bool:
    """Write the key and the mail in one savepoint; False if the key was taken."""
    try:
        with db.session.begin_nested():
            db.session.add(
                NotificationSent(
                    association_id=due.association_id,
                    kind=due.kind,
                    recipient=due.recipient.lower(),
                    subject=due.subject,
                    period=due.period,
                )
            )
            db.session.flush()
            locale, context = _context(due)
            subject, body = render_mail(due.template, locale, **context)
            queue_mail(
                recipient=due.recipient,
                subject=subject,
                body=_tidy(body),
                association_id=due.association_id,
            )
            db.session.flush()
    except IntegrityError:
        return False
    return True


def run(now: dt.datetime | None = None) -> RunReport:
    """Queue everything due at ``now`` (the current time unless given), committing per
    association so one association's failure or lock holds up no other: a failing
    association is rolled back, logged and named in the report, and the run goes on."""
    now = now or utcnow()
    report = RunReport()
    ids = db.session.scalars(sa.select(Association.id).order_by(Association.id)).all()
    db.session.commit()
    for association_id in ids:
        association = _claim(association_id)
        if association is None:
            report.associations_skipped += 1
            db.session.rollback()
            continue
        slug = association.slug
        part = RunReport()
        try:
            _run_association(association, now, part)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("notify run: association %s failed", slug)
            report.failed.append(slug)
            continue
        report.add(part)
    return report


def _run_association(association: Association, now: dt.datetime, report: RunReport) -> None:
    due = [item for rule in RULES for item in rule(association, now)]
    sent = _already_sent(association.id, due)
    people = sorted({d.user.id for d in due if d.user is not None})
    off = settings.switched_off(people) if people else set()
    for item in due:
        if _key(item) in sent:
            report.already_sent += 1
        elif item.user is not None and (item.user.id, item.kind) in off:
            report.switched_off += 1
        elif _queue(item):
            sent.add(_key(item))
            report.queued[item.kind] += 1
            report.lines.append(
                f"{association.slug}\t{item.kind.value}\t{item.recipient}\t{item.subject}"
            )
        else:
            report.already_sent += 1
