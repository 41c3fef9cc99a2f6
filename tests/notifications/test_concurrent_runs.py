"""Two ``notify run`` at once (two app servers' timers) send nothing twice (PostgreSQL).

These need committed rows and two connections, so they run outside the per-test
transaction and delete what they made.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from portal.accounts.models import User
from portal.core.mail import MailStatus, OutboxMessage
from portal.extensions import db
from portal.notifications.models import Kind, NotificationSent
from portal.notifications.services import rules, runner
from portal.organisations.models import Association, AssociationRole, AssociationRoleName

ASSOCIATIONS = 3
ADMINS = 2


@pytest.fixture(name="_request_context")
def _no_request_context() -> None:
    """The runner runs from the command line: no request."""


@pytest.fixture
def committed(app: Flask) -> Iterator[dict[str, Any]]:
    """Associations whose admins each have a weekly digest due (a failed mail)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("FOR UPDATE SKIP LOCKED needs PostgreSQL")
        engine = db.engine
        tag = uuid.uuid4().hex[:8]
        with Session(engine) as session, session.begin():
            associations = []
            for a in range(ASSOCIATIONS):
                association = Association(slug=f"samtidig-{tag}-{a}", name=f"Samtidig {tag} {a}")
                session.add(association)
                session.flush()
                associations.append(association.id)
                for n in range(ADMINS):
                    user = User(email=f"admin{n}-{a}-{tag}@example.org", name=f"Admin {n}")
                    session.add(user)
                    session.flush()
                    session.add(
                        AssociationRole(
                            association_id=association.id,
                            user_id=user.id,
                            role=AssociationRoleName.ADMIN,
                        )
                    )
                session.add(
                    OutboxMessage(
                        association_id=association.id,
                        recipient="failed@example.org",
                        subject="x",
                        body_text="x",
                        message_id=f"<{tag}-{a}@portal.test>",
                        status=MailStatus.FAILED,
                    )
                )
        original = db.session
        db.session = scoped_session(sessionmaker(bind=engine))
        try:
            yield {"engine": engine, "associations": associations, "tag": tag}
        finally:
            db.session.remove()
            db.session = original
            with engine.begin() as conn:
                conn.execute(sa.delete(Association).where(Association.id.in_(associations)))
                conn.execute(sa.delete(User).where(User.email.like(f"%-{tag}@example.org")))


class _Runner(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.report: runner.RunReport | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                self.report = runner.run()
        except BaseException as error:  # handed to the test thread
            self.error = error
        finally:
            db.session.remove()

    app: Flask


def _digests(engine: sa.engine.Engine, associations: list[int]) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(OutboxMessage.recipient).where(
                OutboxMessage.association_id.in_(associations),
                OutboxMessage.status == MailStatus.PENDING,
            )
        ).all()
        keys = conn.execute(
            sa.select(sa.func.count())
            .select_from(NotificationSent)
            .where(NotificationSent.association_id.in_(associations))
        ).scalar()
    assert keys == len(rows)
    return Counter(r.recipient for r in rows)


def _run_in_threads(app: Flask, count: int) -> list[_Runner]:
    threads = []
    for _ in range(count):
        thread = _Runner()
        thread.app = app
        threads.append(thread)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
        if thread.error is not None:
            raise thread.error
    return threads


def test_a_runner_passes_by_an_association_another_runner_holds(app, committed, monkeypatch):
    """A holds the first association (its rules wait) while B runs: B skips it."""
    first = committed["associations"][0]
    entered, release = threading.Event(), threading.Event()
    real = rules.admin_digests

    def held(association: Association, now: Any) -> list[rules.Due]:
        if association.id == first and not entered.is_set():
            entered.set()
            assert release.wait(timeout=30)
        return real(association, now)

    monkeypatch.setattr(runner, "RULES", tuple(held if r is real else r for r in rules.RULES))
    a = _Runner()
    a.app = app
    a.start()
    try:
        assert entered.wait(timeout=30)
        with app.app_context():
            report_b = runner.run()
            db.session.remove()
    finally:
        release.set()
        a.join(timeout=60)
    if a.error is not None:
        raise a.error
    assert report_b.associations_skipped >= 1
    assert a.report is not None
    assert a.report.queued[Kind.ADMIN_DIGEST] >= ADMINS  # the association it held
    sent = _digests(committed["engine"], committed["associations"])
    assert len(sent) == ASSOCIATIONS * ADMINS
    assert set(sent.values()) == {1}


def test_four_runners_at_once_send_each_digest_once(app, committed):
    threads = _run_in_threads(app, 4)
    sent = _digests(committed["engine"], committed["associations"])
    assert len(sent) == ASSOCIATIONS * ADMINS
    assert set(sent.values()) == {1}
    queued = sum(t.report.queued[Kind.ADMIN_DIGEST] for t in threads if t.report)
    assert queued == ASSOCIATIONS * ADMINS
