"""The mail outbox.

Mail is written to ``outbox_messages`` in the same transaction as the change that
caused it, so it exists exactly when the change does. ``deliver_pending`` (the
``mail send`` command, run on a timer) sends what is due, retrying with exponential
backoff; a message that keeps failing ends as ``failed`` where admins can see it.
Several senders can run at once: on PostgreSQL each claims its rows with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import datetime as dt
import enum
import smtplib
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import TimestampMixin, utcnow
from portal.extensions import db
from portal.organisations.models import enum_column

BACKOFF_BASE_SECONDS = 60


class MailStatus(enum.StrEnum):
    """Where a message is in its life."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """One e-mail waiting to be sent, sent, or given up on."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    # [{"filename", "content_type", "content"}] with text content (e.g. .ics files).
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(sa.JSON)
    message_id: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus, "mail_status"), default=MailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


def queue_mail(
    *,
    recipient: str,
    subject: str,
    body: str,
    association_id: int | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    """Put a message in the outbox as part of the current transaction."""
    message = OutboxMessage(
        association_id=association_id,
        recipient=recipient,
        subject=subject,
        body_text=body,
        attachments=attachments,
        message_id=make_msgid(domain="samverkansportalen"),
    )
    db.session.add(message)
    return message


@dataclass(frozen=True)
class MailSettings:
    """What a sender needs to know; read from the app config by the caller."""

    backend: str
    server: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    timeout: float
    sender: str
    max_attempts: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MailSettings:
        return cls(
            backend=config["MAIL_BACKEND"],
            server=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            use_tls=config["MAIL_USE_TLS"],
            timeout=config["MAIL_TIMEOUT"],
            sender=config["MAIL_DEFAULT_SENDER"],
            max_attempts=config["MAIL_MAX_ATTEMPTS"],
        )


@dataclass
class DeliveryReport:
    """What one run of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The RFC 5322 message for an outbox row."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text)
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        email.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype.split(";")[0],
            filename=attachment["filename"],
        )
    return email


def _claim_due(limit: int) -> list[OutboxMessage]:
    stmt = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == MailStatus.PENDING,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def _transmit(settings: MailSettings, emails: list[EmailMessage]) -> list[Exception | None]:
    """Send each message; return per message None (sent) or the error."""
    if settings.backend == "console":
        for email in emails:
            sys.stdout.write(f"{email}\n{'-' * 72}\n")
        return [None] * len(emails)
    results: list[Exception | None] = []
    try:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as error:
        return [error] * len(emails)
    with smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username and settings.password:
            smtp.login(settings.username, settings.password)
        for email in emails:
            try:
                smtp.send_message(email)
                results.append(None)
            except (OSError, smtplib.SMTPException) as error:
                results.append(error)
    return results


def deliver_pending(settings: MailSettings, batch_size: int = 50) -> DeliveryReport:
    """Send every due message once; reschedule failures with exponential backoff.

    Commits per batch so a crash midway does not resend what already left.
    """
    report = DeliveryReport()
    while True:
        batch = _claim_due(batch_size)
        if not batch:
            return report
        results = _transmit(settings, [build_email(m, settings.sender) for m in batch])
        now = utcnow()
        for message, error in zip(batch, results, strict=True):
            message.attempts += 1
            if error is None:
                message.status = MailStatus.SENT
                message.sent_at = now
                message.last_error = None
                report.sent += 1
            elif message.attempts >= settings.max_attempts:
                message.status = MailStatus.FAILED
                message.last_error = str(error)[:500]
                report.failed += 1
            else:
                delay = BACKOFF_BASE_SECONDS * 2 ** (message.attempts - 1)
                message.next_attempt_at = now + dt.timedelta(seconds=delay)
                message.last_error = str(error)[:500]
                report.retried += 1
        db.session.commit()


def retry_failed(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (an admin decided to try again)."""
    message.status = MailStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
