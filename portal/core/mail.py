"""The mail outbox.

Mail is written to ``outbox_messages`` in the same transaction as the change that
caused it, so it exists exactly when the change does. ``deliver_pending`` (the
``mail send`` command, run on a timer) sends what is due, retrying with exponential
backoff; a message that keeps failing ends as ``failed`` where admins can see it.
Several senders can run at once: on PostgreSQL each claims its rows with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import re
import smtplib
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import TimestampMixin, enum_column, utcnow
from portal.extensions import Model, db

BACKOFF_BASE_SECONDS = 60
# However many attempts are allowed, a message is tried at least once a day.
BACKOFF_MAX_SECONDS = 24 * 60 * 60
SUBJECT_MAX_LENGTH = 300
# The console shows the 8-bit UTF-8 form: str() of a message would base64 a Swedish body.
CONSOLE_POLICY = default_policy.clone(utf8=True)


class MailStatus(enum.StrEnum):
    """Where a message is in its life."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(TimestampMixin, Model):
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
    """Put a message in the outbox as part of the current transaction.

    The subject is folded onto one line and cut to the column's length: a line
    break would make the message unbuildable, an overlong subject would make the
    whole change fail to save.
    """
    message = OutboxMessage(
        association_id=association_id,
        recipient=recipient.strip(),
        subject=" ".join(subject.split())[:SUBJECT_MAX_LENGTH],
        body_text=body,
        attachments=attachments,
        message_id=make_msgid(domain="samverkansportalen"),
    )
    db.session.add(message)
    return message


def render_mail(template: str, locale: str | None, **context: Any) -> tuple[str, str]:
    """The subject and body of a mail, in the recipient's language.

    ``template`` names ``templates/emails/<domain>/<name>.txt``, which fills two
    blocks, ``subject`` and ``body``, from ``context``; ``locale`` is the recipient's
    (an account's ``locale``), the portal's default language when they have none. The
    subject comes back on one line; the body ends with one line break.
    """
    env = current_app.jinja_env
    mail = env.get_template(f"emails/{template}.txt")
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = "".join(mail.blocks["subject"](mail.new_context(dict(context))))
        body = "".join(mail.blocks["body"](mail.new_context(dict(context))))
    return " ".join(subject.split()), body.rstrip("\n") + "\n"


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


# What turns markers in a stored body into the text sent, at the moment of sending (a
# feature registers one, e.g. the survey's personal links: the outbox keeps a marker,
# never the link). Each takes and returns the body.
BODY_RENDERERS: list[Callable[[str], str]] = []


def render_body(body: str) -> str:
    """The body as it is sent: every registered renderer applied."""
    for renderer in BODY_RENDERERS:
        body = renderer(body)
    return body


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The RFC 5322 message for an outbox row (markers rendered now, ``render_body``)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(render_body(message.body_text))
    for attachment in message.attachments or []:
        maintype, subtype, params = _content_type(attachment["content_type"])
        email.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=params,
        )
    return email


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """Split ``text/calendar; method=REQUEST`` into type, subtype and parameters.

    Parameters such as ``method`` matter to calendar clients. The content is
    stored as text and always encoded as UTF-8, so a text part says exactly that.
    """
    full_type, *raw_params = value.split(";")
    maintype, _, subtype = full_type.strip().lower().partition("/")
    params: dict[str, str] = {}
    for raw in raw_params:
        key, _, param = raw.partition("=")
        if key.strip():
            params[key.strip().lower()] = param.strip().strip('"')
    if maintype == "text":
        params["charset"] = "utf-8"
    return maintype, subtype, params


def _claim_next(now: dt.datetime) -> OutboxMessage | None:
    """The oldest due message, locked against other senders on PostgreSQL until this
    sender commits its new state; None when nothing is due."""
    stmt = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == MailStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # populate_existing: what was locked is what the sender sees, not a cached copy.
        stmt = stmt.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return db.session.scalar(stmt)


class _Outbound:
    """Where one run's messages go: the console, or one SMTP session opened for the
    first message and opened again if the server drops it. When the server cannot be
    reached at all, every later message of the run gets the same error without
    another attempt to connect."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.options: list[str] = []
        self.down: Exception | None = None

    def send(self, email: EmailMessage) -> Exception | None:
        """None once the server has taken the message (its 250 reply), else the error."""
        if self.settings.backend == "console":
            text = email.as_bytes(policy=CONSOLE_POLICY).decode(errors="replace")
            sys.stdout.write(f"{text}\n{'-' * 72}\n")
            return None
        if self.down is not None:
            return self.down
        if self.smtp is None:
            try:
                self.smtp = self._open()
            except (OSError, smtplib.SMTPException) as error:
                self.down = error
                return error
        try:
            self.smtp.send_message(email, mail_options=self.options)
        except smtplib.SMTPServerDisconnected as error:
            self.smtp = None  # the next message connects again
            return error
        except (OSError, smtplib.SMTPException) as error:
            return error
        return None

    def _open(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.settings.server, self.settings.port, timeout=self.settings.timeout)
        try:
            _start_session(smtp, self.settings)
        except BaseException:
            smtp.close()
            raise
        # Bodies in Swedish are 8-bit; say so when the server allows it.
        self.options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
        return smtp

    def close(self) -> None:
        if self.smtp is None:
            return
        # The messages have left: a failing QUIT must not make them look unsent.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.smtp.quit()
        self.smtp.close()


def _start_session(smtp: smtplib.SMTP, settings: MailSettings) -> None:
    """EHLO, STARTTLS with a verified certificate, and sign-in when configured."""
    if settings.use_tls:
        # smtplib's default context checks neither the certificate nor the host name.
        smtp.starttls(context=ssl.create_default_context())
    if settings.username and settings.password:
        smtp.login(settings.username, settings.password)
    smtp.ehlo_or_helo_if_needed()


def deliver_pending(settings: MailSettings, now: dt.datetime | None = None) -> DeliveryReport:
    """Send every due message once; reschedule failures with exponential backoff.

    What is guaranteed: each message is claimed on its own (on PostgreSQL locked with
    ``FOR UPDATE SKIP LOCKED``, so senders running at once never send the same one),
    sent, and its new state (sent, to be retried, failed) committed before the next
    message is claimed. A crash or kill at any point therefore loses nothing and
    resends at most one message: the one whose acceptance the SMTP server had sent
    (or was about to send) when the sender died, before its commit. SMTP cannot do
    better, since the server taking a message and this database recording it are
    two systems' steps with a connection between them; the resent copy keeps its
    Message-ID, by which mail programs recognise a duplicate. ``now`` is the current
    time unless given (tests pass one instead of waiting).
    """
    report = DeliveryReport()
    outbound = _Outbound(settings)
    try:
        while (message := _claim_next(now or utcnow())) is not None:
            try:
                email = build_email(message, settings.sender)
            except Exception as error:
                # It will never build (say, a header with a line break): give up on
                # it now rather than let it stop every later message in the queue.
                message.attempts += 1
                _give_up(message, error)
                report.failed += 1
            else:
                _record(message, outbound.send(email), settings, now or utcnow(), report)
            db.session.commit()
    finally:
        outbound.close()
    return report


# A delivered message's copy keeps no working link: a set-password or invitation link
# in clear text is a key to someone's account for as long as the copy exists.
LINK = re.compile(r"\b(?:https?|ftp)://[^\s<>\"']+", re.IGNORECASE)
LINK_REMOVED = "[…]"


def strip_links(text: str) -> str:
    """``text`` with every web address replaced by a mark."""
    return LINK.sub(LINK_REMOVED, text)


def _strip_delivered(message: OutboxMessage) -> None:
    """Remove every link from the stored copy of a message that has left."""
    message.body_text = strip_links(message.body_text)
    if message.attachments:
        message.attachments = [
            {**part, "content": strip_links(part["content"])} for part in message.attachments
        ]


def _record(
    message: OutboxMessage,
    outcome: Exception | None,
    settings: MailSettings,
    done_at: dt.datetime,
    report: DeliveryReport,
) -> None:
    message.attempts += 1
    if outcome is None:
        message.status = MailStatus.SENT
        message.sent_at = done_at
        message.last_error = None
        _strip_delivered(message)
        report.sent += 1
    elif message.attempts >= settings.max_attempts:
        _give_up(message, outcome)
        report.failed += 1
    else:
        message.next_attempt_at = done_at + backoff(message.attempts)
        message.last_error = _describe(outcome)
        report.retried += 1


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4, ... minutes, at most a day."""
    exponent = min(attempts - 1, 32)  # 2**32 minutes is far beyond the cap already
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


def _give_up(message: OutboxMessage, error: Exception) -> None:
    message.status = MailStatus.FAILED
    message.last_error = _describe(error)


def _describe(error: Exception) -> str:
    return (str(error) or type(error).__name__)[:500]


def retry_failed(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (an admin decided to try again)."""
    message.status = MailStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()


@dataclass(frozen=True)
class OutboxStatus:
    """What an admin sees of the outbox: undelivered messages and how many went out."""

    undelivered: list[OutboxMessage]
    sent: int


def outbox_status(association_id: int | None, limit: int = 200) -> OutboxStatus:
    """Failed messages first, then waiting ones, newest first; ``None`` = platform mail."""
    scope = (
        OutboxMessage.association_id.is_(None)
        if association_id is None
        else OutboxMessage.association_id == association_id
    )
    failed_first = sa.case((OutboxMessage.status == MailStatus.FAILED, 0), else_=1)
    undelivered = db.session.scalars(
        sa.select(OutboxMessage)
        .where(scope, OutboxMessage.status != MailStatus.SENT)
        .order_by(failed_first, OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(scope, OutboxMessage.status == MailStatus.SENT)
    )
    return OutboxStatus(undelivered=list(undelivered), sent=sent or 0)
