"""Concurrent transactions on PostgreSQL: two submits of one invitation record exactly
one response, two first saves keep one draft, and a close waits for a submit under way
so the rollup counts it."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.groups.models import Group
from portal.groups.services import today
from portal.organisations.models import Association
from portal.surveys import answering, crypto, services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Ballot, Draft, RoundTotal, SurveyRound
from tests.factories import Factory
from tests.support.surveys import FULL_ANSWERS, answer_and_review, demo_text, enter, links

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent transactions need PostgreSQL",
)


@pytest.fixture(autouse=True)
def _request_context(app: Any) -> None:
    """Overrides the package's fixture: these tests commit for real, on their own connections."""


@dataclass(frozen=True)
class OpenRound:
    token: str
    round_id: int


def _round_world(app: Any, opened: bool) -> Iterator[OpenRound]:
    """A round of a new association with one member, committed, opened (the token is
    the member's) or a draft (no token); removed afterwards."""
    with app.app_context():
        session = db.session
        f = Factory(session)
        association = f.association()
        municipality = f.agency(association)
        group = f.group(association, municipalities=[municipality])
        member = f.user(association)
        f.membership(group, member, municipality)
        token = ""
        with app.test_request_context("/"):
            instrument, _ = services.import_instrument(None, parse_instrument(demo_text()))
            survey_round = services.create_round(
                None, association,  # type: ignore[arg-type]
                services.RoundData(year=today().year, instrument_id=instrument.id,
                                   group_ids=[group.id], opens_on=today(), closes_on=today(),
                                   min_answers=1),
            )  # fmt: skip
            if opened:
                services.open_round(None, survey_round)
            session.commit()
            if opened:
                token = links(session)[member.email].rsplit("/", 1)[1]
        round_id, association_id, member_id = survey_round.id, association.id, member.id
        session.remove()
    yield OpenRound(token, round_id)
    with app.app_context():
        for model in (SurveyRound, Group, Association):
            column = model.id if model is Association else model.association_id
            db.session.execute(sa.delete(model).where(column == association_id))
        db.session.execute(sa.delete(User).where(User.id == member_id))
        db.session.execute(
            sa.text(
                "DELETE FROM survey_instruments"
                " WHERE id NOT IN (SELECT instrument_id FROM survey_rounds)"
            )
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def open_round(app: Any) -> Iterator[OpenRound]:
    """An open round of a new association with one member, committed; removed afterwards."""
    yield from _round_world(app, opened=True)


@pytest.fixture
def draft_round(app: Any) -> Iterator[OpenRound]:
    """The same round, not opened yet (no token)."""
    yield from _round_world(app, opened=False)


def twice_at_once(job: Callable[[], None]) -> None:
    """Run ``job`` in two threads (each its own connection) and wait for both."""
    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def responses_in(app: Any, round_id: int) -> int:
    """The round's sealed ballots (its responses until it closes)."""
    with app.app_context():
        recorded = db.session.scalar(
            sa.select(sa.func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
        )
        db.session.remove()
    return int(recorded or 0)


def test_concurrent_submits_record_one_response(app, open_round) -> None:
    """Two connections submit the same invitation at once: exactly one response."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context(), app.test_request_context("/"):
            access = answering.find(open_round.token)
            barrier.wait()
            try:
                answering.submit(access, FULL_ANSWERS)
                db.session.commit()
                outcomes.append("recorded")
            except answering.AlreadyAnsweredError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    twice_at_once(submit)
    recorded = responses_in(app, open_round.round_id)
    assert sorted(outcomes) == ["recorded", "refused"]
    assert recorded == 1


def test_two_first_saves_at_once_keep_one_draft(app, open_round) -> None:
    """Two tabs save a first draft at once: both succeed, one draft remains, readable."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(answer: str) -> None:
        with app.app_context(), app.test_request_context("/"):
            access = answering.find(open_round.token)
            assert access is not None
            assert access.draft is None
            barrier.wait()
            try:
                answering.save_draft(access, {"A1": answer})
                db.session.commit()
                outcomes.append("saved")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(answer,)) for answer in ("3", "5")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context(), app.test_request_context("/"):
        drafts = db.session.scalar(sa.select(sa.func.count()).select_from(Draft))
        access = answering.find(open_round.token)
        assert access is not None
        kept = answering.load_draft(access)
        db.session.remove()
    assert outcomes == ["saved", "saved"]
    assert drafts == 1
    assert kept in ({"A1": "3"}, {"A1": "5"})


def test_a_close_waits_for_a_submit_under_way_and_counts_it(app, open_round) -> None:
    """The responses and the yearly rollup are written as the round closes: a submit
    that has written its ballot but not committed holds the close back until it does,
    so it is counted."""
    submitted, closed = threading.Event(), threading.Event()

    def close() -> None:
        submitted.wait(10)
        with app.app_context(), app.test_request_context("/"):
            services.close_round(None, db.session.get(SurveyRound, open_round.round_id))
            db.session.commit()
            closed.set()
            db.session.remove()

    closer = threading.Thread(target=close)
    closer.start()
    try:
        with app.app_context(), app.test_request_context("/"):
            access = answering.find(open_round.token)
            assert access is not None
            answering.submit(access, FULL_ANSWERS)  # not committed
            submitted.set()
            time.sleep(1.0)
            held_back = not closed.is_set()
            db.session.commit()
            db.session.remove()
    finally:
        closer.join(timeout=30)
    with app.app_context():
        counted = db.session.scalar(
            sa.select(sa.func.max(RoundTotal.answers)).where(
                RoundTotal.round_id == open_round.round_id
            )
        )
        db.session.remove()
    assert held_back  # the close waited for the submit's commit
    assert closed.is_set()
    assert counted == 1  # and the rollup has the submitted response


def test_the_link_pages_run_without_a_transaction_and_leave_none_behind(
    app, open_round, monkeypatch
) -> None:
    """The link's pages and the submit (one statement on PostgreSQL) run in autocommit;
    a draft's save, two statements in a savepoint, does not; and every connection is
    back to transactions when it returns to the pool. Watched at psycopg's cursor, where
    SQLAlchemy's statements and ``portal.core.direct``'s alike are sent."""
    import psycopg

    from tests.conftest import CSRF_RE

    autocommit: dict[str, bool] = {}
    execute = psycopg.Cursor.execute

    def seen(cursor: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        for start in ("WITH marked", "INSERT INTO survey_drafts", "SELECT survey_invitations"):
            if str(statement).startswith(start):
                autocommit.setdefault(start, cursor.connection.autocommit)
        return execute(cursor, statement, *args, **kwargs)

    with app.app_context():
        engine = db.engine
    monkeypatch.setattr(psycopg.Cursor, "execute", seen)
    try:
        client = app.test_client()
        link = enter(client, f"/survey/{open_round.token}")
        page = client.get(link + "/answers").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match is not None
        token = match[1] or match[2]
        answers = {f"q{n}": "5" for n in range(1, 8)}
        saved = client.post(link + "/answers", data={**answers, "csrf_token": token, "review": "1"})
        assert saved.status_code == 302
        assert client.get(link + "/review").status_code == 200
        submitted = client.post(link + "/submit", data={"csrf_token": token})
        assert submitted.headers["Location"].endswith("/receipt")
        assert client.get(link + "/receipt").status_code == 200
    finally:
        monkeypatch.undo()
    assert autocommit == {
        "SELECT survey_invitations": True,
        "INSERT INTO survey_drafts": False,
        "WITH marked": True,
    }
    with app.app_context():
        recorded = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Ballot)
            .where(Ballot.round_id == open_round.round_id)
        )
        drafts = db.session.scalar(sa.select(sa.func.count()).select_from(Draft))
        db.session.remove()
        pooled = [engine.connect() for _ in range(engine.pool.checkedin())]
        try:
            assert pooled
            assert not any(c.connection.dbapi_connection.autocommit for c in pooled)
        finally:
            for connection in pooled:
                connection.close()
    assert recorded == 1
    assert drafts == 0


def reviewed_submit(app: Any, token: str) -> tuple[Any, str, dict[str, str]]:
    """A browser that opened the link, answered everything and reached the review page:
    the browser, the slot's address and the review page's form (the fast path's case)."""
    from portal.surveys.models import Invitation, Question

    client = app.test_client()
    slot = enter(client, f"/survey/{token}")
    with app.app_context():
        positions = dict(
            db.session.execute(
                sa.select(Question.code, Question.position)
                .join(SurveyRound, SurveyRound.instrument_id == Question.instrument_id)
                .join(Invitation, Invitation.round_id == SurveyRound.id)
                .where(Invitation.token_hash == crypto.token_hash(token))
            ).all()
        )
        db.session.remove()
    return client, slot, answer_and_review(client, slot, positions)


def test_two_tabs_confirming_at_once_through_the_fast_path_record_once(
    app, open_round, view_calls
) -> None:
    """The same review form sent twice at once, over two connections, each through the
    fast path's one statement: one ballot, and both tabs are sent to the receipt (the
    one whose statement wrote nothing by way of Flask's view, which finds it answered)."""

    client, slot, form = reviewed_submit(app, open_round.token)
    cookie = client.get_cookie("survey_link", path=slot)
    other = app.test_client()
    other.set_cookie("survey_link", cookie.value, path=slot)
    barrier = threading.Barrier(2)
    locations: list[str] = []

    def confirm(browser: Any) -> None:
        barrier.wait()
        locations.append(browser.post(slot + "/submit", data=form).headers["Location"])

    threads = [threading.Thread(target=confirm, args=(b,)) for b in (client, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert locations == [slot + "/receipt"] * 2
    assert responses_in(app, open_round.round_id) == 1
    assert len(view_calls) == 1  # the other was recorded before Flask


def test_a_fast_submit_during_a_close_waits_and_records_nothing(app, open_round) -> None:
    """A close under way (not committed) when the review form is confirmed: the fast
    path's statement waits for the close's lock, then finds the round closed and writes
    nothing, not even the invitation's mark; the respondent gets the closed link's page."""
    from portal.surveys.models import Invitation, SurveyResponse

    client, slot, form = reviewed_submit(app, open_round.token)
    closing, done = threading.Event(), threading.Event()

    def close() -> None:
        with app.app_context(), app.test_request_context("/"):
            services.close_round(None, db.session.get(SurveyRound, open_round.round_id))
            db.session.flush()
            closing.set()
            time.sleep(1.0)  # the submit arrives meanwhile
            db.session.commit()
            done.set()
            db.session.remove()

    closer = threading.Thread(target=close)
    closer.start()
    try:
        assert closing.wait(10)
        response = client.post(slot + "/submit", data=form)
        waited = done.is_set()  # the submit came back only after the close committed
    finally:
        closer.join(timeout=30)
    assert waited
    assert response.status_code == 404  # the page a closed round's link shows
    with app.app_context():
        answered = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .where(Invitation.round_id == open_round.round_id, Invitation.answered)
        )
        written = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.round_id == open_round.round_id)
        )
        db.session.remove()
    assert answered == 0
    assert written == 0


def test_two_opens_at_once_invite_once(app, draft_round) -> None:
    """Two admins (or a double click) open a draft round at once: the round's row is
    locked first, so one opens it and the other is told it is open already; each
    member is invited, and mailed, once."""
    from portal.core.errors import DomainError
    from portal.core.mail import OutboxMessage
    from portal.surveys.models import Invitation

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def open_it() -> None:
        with app.app_context(), app.test_request_context("/"):
            survey_round = db.session.get(SurveyRound, draft_round.round_id)
            barrier.wait()
            try:
                services.open_round(None, survey_round)
                db.session.commit()
                outcomes.append("opened")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    twice_at_once(open_it)
    with app.app_context():
        invited = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .where(Invitation.round_id == draft_round.round_id)
        )
        association_id = db.session.get(SurveyRound, draft_round.round_id).association_id
        mailed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.association_id == association_id)
        )
        db.session.remove()
    assert sorted(outcomes) == ["opened", "refused"]
    assert invited == 1
    assert mailed == 1


def test_a_connection_cut_under_the_fast_submit_loses_nothing(
    app, open_round, monkeypatch, view_calls
) -> None:
    """The fast path's connection is terminated (``pg_terminate_backend``, as a database
    restart would) just before its one statement: nothing is written by it, Flask's view
    takes the submit on a fresh connection, and the answer is recorded once."""
    from portal.core import direct
    from portal.surveys.answering import sql as direct_sql

    client, slot, form = reviewed_submit(app, open_round.token)
    cut: list[int] = []
    drivers: list[Any] = []
    kept = direct.Kept.connection

    @contextlib.contextmanager
    def seen(self: Any) -> Iterator[Any]:  # the fast path's connection
        with kept(self) as driver:
            drivers.append(driver)
            yield driver

    def terminate(sql: str) -> None:
        if cut or sql != direct_sql.FAST_SUBMIT:
            return
        pid = drivers[-1].info.backend_pid
        cut.append(pid)
        with app.app_context(), db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(200):  # until it is gone: the next statement then fails
                gone = not other.execute(
                    sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).first()
                if gone:
                    break
                time.sleep(0.01)

    monkeypatch.setattr(direct.Kept, "connection", seen)
    monkeypatch.setattr(direct, "WATCHERS", [terminate])
    response = client.post(slot + "/submit", data=form)
    assert cut  # the fast path's statement was the one cut off
    assert response.headers["Location"] == slot + "/receipt"
    assert view_calls == [slot.rsplit("/", 1)[1]]  # Flask's view recorded it
    assert responses_in(app, open_round.round_id) == 1
    assert client.get(slot + "/receipt").status_code == 200


def test_a_submit_of_a_round_the_worker_keeps_is_recorded_without_an_app_context(
    app, open_round, monkeypatch
) -> None:
    """As a server calls the portal (no app context pushed), a submit of a round whose
    key and version the worker keeps is recorded by the fast path alone: no app context,
    so no Flask request, session or hooks; one statement on a connection the fast path
    keeps, and keeps for the next."""
    import flask

    from portal.core import direct
    from portal.surveys.answering import fast
    from portal.surveys.answering import sql as direct_sql
    from portal.surveys.views.fastpath import FastSubmit

    client, slot, form = reviewed_submit(app, open_round.token)
    layer = app.wsgi_app
    while not isinstance(layer, FastSubmit):  # under ProxyFix, when proxies are trusted
        layer = layer.app
    kept = layer.connections()  # known once per worker
    assert kept is not None
    with kept.connection() as driver, app.app_context():  # another respondent's submit
        assert fast.open_round(driver, open_round.round_id) is not None
        pid = driver.info.backend_pid
    pushed: list[Any] = []
    statements: list[str] = []
    monkeypatch.setattr(direct, "WATCHERS", [statements.append])
    with flask.appcontext_pushed.connected_to(lambda sender, **_: pushed.append(sender), app):
        response = client.post(slot + "/submit", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == slot + "/receipt"
    assert pushed == []
    assert statements == [direct_sql.FAST_SUBMIT]
    with kept.connection() as driver:
        assert driver.info.backend_pid == pid  # the same connection, kept
    assert responses_in(app, open_round.round_id) == 1
