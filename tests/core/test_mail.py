"""The mail outbox, end to end.

Mail is queued in the same transaction as the change that causes it, delivered
once to a real SMTP server (aiosmtpd on loopback), kept and retried with
exponential backoff while the server is down, given up on after the configured
number of attempts, and then shown to the association's admins, who can queue it
again. Time is passed to ``deliver_pending`` instead of waited for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.orm import scoped_session, sessionmaker

from portal.accounts.models import LoginToken, TokenPurpose
from portal.accounts.services.passwords import send_password_link
from portal.core.errors import DomainError
from portal.core.mail import (
    BACKOFF_MAX_SECONDS,
    MailSettings,
    MailStatus,
    OutboxMessage,
    backoff,
    deliver_pending,
    queue_mail,
)
from portal.core.transactions import atomic
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import TEST_CONFIG, login, post, send_requested_resets

SENDER = "Samverkansportalen <noreply@portal.test>"
DOWN_PORT: int = TEST_CONFIG["MAIL_PORT"]  # nothing listens there
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "SUMMARY:Mysam Gävle\r\nLOCATION:Stadshuset\\, Gävle\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that keeps every message it accepts.

    ``gate``, when set, holds the first message until it is opened, so a test can
    keep a sender busy in the middle of its batch.
    """

    received: list[Received] = field(default_factory=list)
    gate: threading.Event | None = None
    entered: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.gate is not None and not self.entered.is_set():
            self.entered.set()
            # This server serves one sender only, so blocking its loop is harmless.
            self.gate.wait(timeout=10)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                mail_options=list(envelope.mail_options),
                message=parsed,
            )
        )
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    """A running SMTP server and what it has received."""

    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def text_of(part: Any) -> str:
    """A text part's content with the wire's CRLF line ends made plain again."""
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def free_port() -> int:
    """A loopback port that is free right now, for a server to listen on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_server(handler: RecordingHandler) -> tuple[Controller, SMTPServer]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, SMTPServer(port, handler)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1 that records what it receives."""
    controller, server = start_server(RecordingHandler())
    try:
        yield server
    finally:
        controller.stop()


def settings(port: int, *, backend: str = "smtp", max_attempts: int = 8) -> MailSettings:
    return MailSettings(
        backend=backend,
        server="127.0.0.1",
        port=port,
        username=None,
        password=None,
        use_tls=False,
        timeout=5.0,
        sender=SENDER,
        max_attempts=max_attempts,
    )


def outbox(session: Any) -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(n: int = 1, **kwargs: Any) -> OutboxMessage:
    values: dict[str, Any] = {
        "recipient": f"mottagare{n}@example.org",
        "subject": f"Kallelse till möte {n} – Mysam Gävle",
        "body": f"Hej!\n\nVälkommen till möte {n}. Vi ses på Stadshuset i Gävle.\n",
    }
    values.update(kwargs)
    message = queue_mail(**values)
    db.session.flush()
    return message


# --- queued with the change ----------------------------------------------------


def test_forgot_password_queues_one_pending_message(client, f, db_session):
    user = f.user(email="glomsk@example.org")

    response = post(
        client, "/password/forgot", {"email": user.email}, token_page="/password/forgot"
    )
    assert outbox(db_session) == []  # the form only notes the request
    assert send_requested_resets(client.application) == 1

    assert response.status_code == 302
    [message] = outbox(db_session)
    assert message.recipient == user.email
    assert message.status is MailStatus.PENDING
    assert message.attempts == 0
    assert message.sent_at is None
    assert message.next_attempt_at <= utcnow()
    assert "http://portal.test/password/set/" in message.body_text
    assert message.message_id.startswith("<")
    assert message.message_id.endswith(">")


def test_forgot_password_for_unknown_address_queues_nothing(client, db_session):
    response = post(
        client, "/password/forgot", {"email": "okand@example.org"}, token_page="/password/forgot"
    )

    assert response.status_code == 302
    assert send_requested_resets(client.application) == 0
    assert outbox(db_session) == []


def test_mail_disappears_with_a_change_that_fails(f, db_session):
    user = f.user()

    def reset_then_break_a_rule() -> None:
        send_password_link(
            user,
            TokenPurpose.RESET,
            link_for=lambda token: f"http://portal.test/password/set/{token}",
            lifetime_hours=1,
        )
        db.session.flush()
        assert len(outbox(db_session)) == 1  # it was really written...
        raise DomainError("the rest of the change broke a rule")

    with pytest.raises(DomainError), atomic():
        reset_then_break_a_rule()

    assert outbox(db_session) == []  # ...and went with the change
    assert (
        db_session.scalars(sa.select(LoginToken).where(LoginToken.user_id == user.id)).all() == []
    )


def test_queue_mail_keeps_the_subject_on_one_line(db_session):
    message = queue_mail(recipient=" a@example.org ", subject="Kallelse\r\n  till möte", body="x")

    assert message.subject == "Kallelse till möte"
    assert message.recipient == "a@example.org"
    assert len(queue_mail(recipient="a@example.org", subject="x" * 400, body="").subject) == 300


# --- delivery -----------------------------------------------------------------


def test_due_messages_are_delivered_once(db_session, smtp_server):
    first = queue(1)
    second = queue(2, association_id=None)

    report = deliver_pending(settings(smtp_server.port))

    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    assert len(smtp_server.received) == 2
    by_id = {r.message["Message-ID"]: r for r in smtp_server.received}
    for row in (first, second):
        got = by_id[row.message_id]
        assert got.rcpt_tos == [row.recipient]
        assert got.mail_from == "noreply@portal.test"
        assert got.message["To"] == row.recipient
        assert got.message["From"] == SENDER
        assert got.message["Subject"] == row.subject
        assert got.message.get_content_type() == "text/plain"
        assert text_of(got.message) == row.body_text
        assert "BODY=8BITMIME" in got.mail_options  # the Swedish body is 8-bit
        assert row.status is MailStatus.SENT
        assert row.sent_at is not None
        assert row.attempts == 1
        assert row.last_error is None

    again = deliver_pending(settings(smtp_server.port))

    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    assert len(smtp_server.received) == 2


def test_attachments_arrive_as_attachments(db_session, smtp_server):
    row = queue(
        attachments=[
            {
                "filename": "mote.ics",
                "content_type": "text/calendar; method=REQUEST",
                "content": ICS,
            }
        ]
    )

    assert deliver_pending(settings(smtp_server.port)).sent == 1

    [got] = smtp_server.received
    assert got.message.is_multipart()
    body = got.message.get_body(("plain",))
    assert body is not None
    assert text_of(body) == row.body_text
    [attachment] = list(got.message.iter_attachments())
    assert attachment.get_filename() == "mote.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == ICS  # "Gävle" survives: the part says utf-8


def test_message_that_cannot_be_built_fails_without_blocking_the_rest(db_session, smtp_server):
    broken = queue(1)
    broken.subject = "Bcc: everyone@example.org\nSubject: injected"  # bypasses queue_mail
    good = queue(2)
    db_session.flush()

    report = deliver_pending(settings(smtp_server.port))

    assert (report.sent, report.failed) == (1, 1)
    assert broken.status is MailStatus.FAILED
    assert broken.last_error
    assert good.status is MailStatus.SENT
    assert [r.message["Message-ID"] for r in smtp_server.received] == [good.message_id]


# --- server down ----------------------------------------------------------------


def test_server_down_keeps_mail_and_backs_off_until_failed(db_session):
    down = settings(DOWN_PORT, max_attempts=3)
    row = queue()
    start = utcnow()

    report = deliver_pending(down, now=start)

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert row.status is MailStatus.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at == start + dt.timedelta(seconds=60)
    assert row.last_error
    assert "refused" in row.last_error.lower()

    not_due = deliver_pending(down, now=start + dt.timedelta(seconds=59))

    assert (not_due.sent, not_due.retried, not_due.failed) == (0, 0, 0)
    assert row.attempts == 1

    second = start + dt.timedelta(seconds=60)
    assert deliver_pending(down, now=second).retried == 1
    assert row.attempts == 2
    assert row.next_attempt_at == second + dt.timedelta(seconds=120)

    third = second + dt.timedelta(seconds=120)
    assert deliver_pending(down, now=third).failed == 1
    assert row.status is MailStatus.FAILED
    assert row.attempts == 3
    assert row.last_error
    assert row.sent_at is None

    later = deliver_pending(down, now=third + dt.timedelta(days=30))
    assert (later.sent, later.retried, later.failed) == (0, 0, 0)
    assert outbox(db_session) == [row]  # nothing is ever deleted


def test_pending_mail_goes_out_when_the_server_comes_back(db_session, smtp_server):
    row = queue()
    start = utcnow()
    assert deliver_pending(settings(DOWN_PORT), now=start).retried == 1

    early = deliver_pending(settings(smtp_server.port), now=start + dt.timedelta(seconds=30))
    assert early.sent == 0
    assert smtp_server.received == []

    report = deliver_pending(settings(smtp_server.port), now=start + dt.timedelta(seconds=60))

    assert report.sent == 1
    assert [r.message["Message-ID"] for r in smtp_server.received] == [row.message_id]
    assert row.status is MailStatus.SENT
    assert row.attempts == 2
    assert row.last_error is None


def test_a_failing_smtp_session_is_recorded_not_raised(db_session, smtp_server):
    # aiosmtpd without a certificate offers no STARTTLS: the session cannot start.
    row = queue()
    tls = dataclasses.replace(settings(smtp_server.port), use_tls=True)

    report = deliver_pending(tls)

    assert report.retried == 1
    assert row.status is MailStatus.PENDING
    assert row.last_error
    assert "STARTTLS" in row.last_error
    assert smtp_server.received == []


def test_backoff_doubles_from_a_minute_and_is_capped_at_a_day():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(12) == dt.timedelta(seconds=BACKOFF_MAX_SECONDS)
    assert backoff(1000) == dt.timedelta(days=1)  # no overflow however many attempts


# --- console backend --------------------------------------------------------------


def test_console_backend_prints_the_message_and_marks_it_sent(db_session, capsys):
    row = queue(body="Hej Åsa!\n\nMötet flyttas till tisdag.\n")

    report = deliver_pending(settings(DOWN_PORT, backend="console"))

    assert report.sent == 1
    out = capsys.readouterr().out
    assert f"To: {row.recipient}" in out
    assert f"Subject: {row.subject}" in out
    assert f"Message-ID: {row.message_id}" in out
    assert "Mötet flyttas till tisdag." in out
    assert row.status is MailStatus.SENT
    assert row.sent_at is not None


# --- visible to admins ------------------------------------------------------------


def failed_message(association_id: int) -> OutboxMessage:
    row = queue(association_id=association_id, recipient="borta@example.org")
    row.status = MailStatus.FAILED
    row.attempts = 8
    row.last_error = "(550, b'5.1.1 Mailbox unavailable')"
    db.session.flush()
    return row


def test_admin_sees_a_failed_message_and_queues_it_again(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    row = failed_message(association.id)
    login(client, admin.email)
    slug = association.slug

    page = client.get(f"/a/{slug}/mail").get_data(as_text=True)

    assert "borta@example.org" in page
    assert row.subject in page
    assert "5.1.1 Mailbox unavailable" in page
    assert f'action="/a/{slug}/mail/{row.id}/retry"' in page

    response = post(client, f"/a/{slug}/mail/{row.id}/retry", token_page=f"/a/{slug}/mail")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/a/{slug}/mail")
    db_session.refresh(row)
    assert row.status is MailStatus.PENDING
    assert row.attempts == 0
    assert row.next_attempt_at <= utcnow()


def test_admin_of_another_association_cannot_see_or_retry(client, f, db_session):
    association = f.association()
    row = failed_message(association.id)
    other = f.association()
    login(client, f.admin(other).email)

    assert "borta@example.org" not in client.get(f"/a/{other.slug}/mail").get_data(as_text=True)
    assert client.get(f"/a/{association.slug}/mail").status_code == 404
    for slug in (association.slug, other.slug):
        response = post(
            client, f"/a/{slug}/mail/{row.id}/retry", token_page=f"/a/{other.slug}/mail"
        )
        assert response.status_code == 404

    db_session.refresh(row)
    assert row.status is MailStatus.FAILED


# --- several senders (PostgreSQL) -----------------------------------------------------


def test_two_senders_never_send_the_same_message(app):
    """Sender A holds the message it claimed while sender B runs: B must skip it.

    Needs committed rows and two connections, so it runs outside the per-test
    transaction and deletes what it made.
    """
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("FOR UPDATE SKIP LOCKED needs PostgreSQL")
        engine = db.engine
        gate = threading.Event()
        gated, gated_server = start_server(RecordingHandler(gate=gate))
        plain, plain_server = start_server(RecordingHandler())
        ids = _commit_messages(engine, 4)
        original = db.session
        # Thread-local: each sender gets its own session and so its own connection.
        db.session = scoped_session(sessionmaker(bind=engine))
        sender_a = _Sender(settings(gated_server.port))
        try:
            sender_a.start()
            # A has claimed (and locked) the first and is in the middle of sending it.
            assert gated_server.handler.entered.wait(timeout=10)
            report_b = deliver_pending(settings(plain_server.port))
        finally:
            gate.set()
            sender_a.join(timeout=10)
            db.session.remove()
            db.session = original
            gated.stop()
            plain.stop()
            with engine.begin() as conn:
                rows = conn.execute(
                    sa.select(OutboxMessage.status, OutboxMessage.attempts).where(
                        OutboxMessage.id.in_(ids)
                    )
                ).all()
                conn.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))

    assert not sender_a.is_alive()
    if sender_a.error is not None:
        raise sender_a.error
    assert sender_a.report is not None
    assert (sender_a.report.sent, report_b.sent) == (1, 3)
    ids_a = {r.message["Message-ID"] for r in gated_server.received}
    ids_b = {r.message["Message-ID"] for r in plain_server.received}
    assert (len(ids_a), len(ids_b)) == (1, 3)
    assert not ids_a & ids_b
    assert sorted(rows) == [(MailStatus.SENT, 1)] * 4


class _Sender(threading.Thread):
    """Runs ``deliver_pending`` in its own thread (and so its own session)."""

    def __init__(self, mail_settings: MailSettings) -> None:
        super().__init__(daemon=True)
        self.mail_settings = mail_settings
        self.report: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.report = deliver_pending(self.mail_settings)
        except BaseException as error:  # handed to the test thread
            self.error = error
        finally:
            db.session.remove()


def _commit_messages(engine: sa.engine.Engine, n: int) -> list[int]:
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            sa.insert(OutboxMessage).returning(OutboxMessage.id),
            [
                {
                    "recipient": f"samtidig{i}@example.org",
                    "subject": f"Samtidig {i}",
                    "body_text": "x",
                    "message_id": f"<samtidig-{i}-{now.timestamp()}@portal.test>",
                    "status": MailStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now - dt.timedelta(seconds=1),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n)
            ],
        )
        return sorted(result.scalars())


# --- a sender killed in the middle of its run ------------------------------------------


@dataclass
class StallingHandler(RecordingHandler):
    """Holds the ``at``-th message's DATA (before its 250 reply) until ``gate`` opens."""

    at: int = 5
    seen: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.seen += 1
        if self.seen == self.at:
            self.entered.set()
            assert self.gate is not None
            self.gate.wait(timeout=20)  # this server serves one sender only
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), [], parsed))
        return "250 Message accepted for delivery"


def test_a_sender_killed_mid_run_resends_at_most_one_message(app):
    """``flask mail send`` is killed (SIGKILL) while the server holds its fifth message;
    the next run sends the rest. The server receives every message, and one at most
    twice: the one in flight. (Committing per batch of 50, it received the first four
    again as well.)"""
    import signal
    import subprocess
    import sys

    with app.app_context():
        engine = db.engine
        url = engine.url.render_as_string(hide_password=False)
    ids = _commit_messages(engine, 8)
    gate = threading.Event()
    handler = StallingHandler(gate=gate, at=5)
    controller, server = start_server(handler)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-not-used-anywhere-else",
        "PORTAL_ENV": "testing",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(server.port),
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    command = [sys.executable, "-m", "flask", "--app", "portal", "mail", "send"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        assert handler.entered.wait(timeout=60), "the sender never reached the fifth message"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        gate.set()  # the server now takes the fifth message; its sender never hears so
        with app.app_context():
            report = deliver_pending(settings(server.port))
            db.session.remove()
    finally:
        gate.set()
        if process.poll() is None:
            process.kill()
        controller.stop()
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
            ).all()
            conn.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    received = [r.message["Message-ID"] for r in server.received]
    assert len(set(received)) == 8  # every message arrived
    assert len(received) - len(set(received)) <= 1  # at most one of them twice
    assert report.sent == 4  # the fifth (not recorded as sent) and the three never tried
    assert [status for (status,) in rows] == [MailStatus.SENT] * 8


def test_a_delivered_copy_keeps_no_link(db_session, capsys):
    """A set-password link in a stored copy would open the account as long as it lasts."""
    message = queue(body="Välj lösenord: https://portal.test/password/set/abc123 (48 timmar)")
    message.attachments = [
        {"filename": "m.ics", "content_type": "text/calendar", "content": "URL:http://x.test/a"}
    ]
    pending = queue(2, body="Länk: https://portal.test/l/xyz")
    pending.next_attempt_at = utcnow() + dt.timedelta(hours=1)
    db_session.flush()
    deliver_pending(settings(DOWN_PORT, backend="console"))
    assert "https://portal.test/password/set/abc123" in capsys.readouterr().out  # sent whole
    db_session.refresh(message)
    assert message.status is MailStatus.SENT
    assert message.body_text == "Välj lösenord: […] (48 timmar)"
    assert message.attachments[0]["content"] == "URL:[…]"
    assert "https://portal.test/l/xyz" in pending.body_text  # not yet sent: kept whole
