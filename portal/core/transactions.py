"""One transaction per request, committed in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, Response

from portal.core import direct
from portal.core.errors import conflict, database_away, lost_race, unavailable
from portal.extensions import db


@contextmanager
def atomic() -> Iterator[None]:
    """Run a service call inside a savepoint: if it raises, none of it stays.

    Views use this around a service that may raise a ``DomainError`` after it has
    flushed, so that re-showing the form with the error never commits half a change.
    """
    savepoint = db.session.begin_nested()
    try:
        yield
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()


def without_transaction() -> None:
    """Let each statement this request sends through ``portal.core.direct`` commit on
    its own (autocommit) on PostgreSQL: no BEGIN and COMMIT round trips around them,
    two of the four a page's one query took.

    Only for a view that reads, or whose every write is one such statement that stands
    alone; call it before the request's first statement (after one, the request keeps
    its transaction and is committed as any other). Those statements go to a pooled
    connection in autocommit, given back with autocommit off at the end of the request
    (``direct.release``); the session is not touched, and anything the request does
    through it is committed after a successful response as usual. A session bound to
    a connection of its own (each test runs in an outer transaction) keeps its
    transaction, and SQLite has no round trips to save.
    """
    bind: sa.Engine | sa.Connection
    if db.session.registry.has():  # the request has a Session already
        session = db.session()  # (the scoped proxy lacks in_transaction)
        if session.in_transaction():  # a statement ran already: its transaction commits
            return
        bind = session.get_bind()
    else:  # none yet: what it would be bound to, without making one
        bind = db.session.session_factory.kw.get("bind") or db.engine
    if isinstance(bind, sa.Connection) or bind.dialect.name != "postgresql":
        return
    direct.autocommit(bind)


def _session_began() -> bool:
    """Whether this request has a Session with a transaction (asked without making one)."""
    return db.session.registry.has() and db.session().in_transaction()


def register_request_transaction(app: Flask) -> None:
    """Commit after a successful response, roll back otherwise. A request without a
    transaction (``without_transaction``) commits its session only if it began one: its
    direct statements committed as they ran."""

    app.teardown_request(direct.release)

    @app.after_request
    def _commit(response: Response) -> Response:
        try:
            if direct.autocommitting() and not _session_began():
                pass  # nothing went through the session: nothing to commit or undo
            elif response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        except sa.exc.SQLAlchemyError as error:
            # The commit itself failed: nothing was written (a transaction commits whole
            # or not at all), and the person is told so instead of seeing a 500.
            if database_away(error):
                return unavailable()
            if lost_race(error):
                return conflict()
            raise
        return response
