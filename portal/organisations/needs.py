"""The association's own tasks for its admins on the start page (``core.signals.needs_me``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import ngettext

from portal.core.mail import MailStatus, OutboxMessage
from portal.core.permissions import Principal
from portal.core.signals import Need
from portal.extensions import db
from portal.organisations.models import Association


def admin_needs(user: Any, *, principal: Principal, today: dt.date) -> list[Need]:
    """Mail that could not be delivered, per association the person administers."""
    if not principal.admin_of:
        return []
    rows = db.session.execute(
        sa.select(Association.slug, Association.name, sa.func.count(OutboxMessage.id))
        .join(OutboxMessage, OutboxMessage.association_id == Association.id)
        .where(
            Association.id.in_(principal.admin_of),
            OutboxMessage.status == MailStatus.FAILED,
        )
        .group_by(Association.id, Association.slug, Association.name)
        .order_by(Association.name)
    ).all()
    return [
        Need(
            kind="admin_task",
            title=ngettext(
                "%(num)d e-mail could not be delivered",
                "%(num)d e-mails could not be delivered",
                count,
            ),
            url=url_for("organisations.outbox", slug=slug),
            detail=name,
        )
        for slug, name, count in rows
    ]
