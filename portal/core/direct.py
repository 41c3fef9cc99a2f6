"""Statements sent to psycopg itself, for the portal's one hot path.

The survey's respondent pages (``portal.surveys.answering``) send one or two
statements a request, thousands of times in the days a round is open. Through
SQLAlchemy each costs more in the app than in the database: the session's execute,
the Core statement's cache look-up, the result's column descriptions and row
processing, about a fifth of a submit's CPU. Here a statement goes to the request's
psycopg connection directly, prepared on the server (``prepare=True``: parsed and
planned once per connection), its rows plain tuples.

Which connection:

- after ``portal.core.transactions.without_transaction`` (a request whose every write
  is one statement that stands alone), one of the pool's connections, checked out at
  the first statement with psycopg's autocommit on and given back, autocommit off,
  when the request ends (``release``): no session, no SQLAlchemy connection, no
  isolation-level switch and reset around it;
- otherwise the session's own (``db.session.connection()``): the same transaction as
  the rest of the request; a test whose session is bound to one connection runs these
  statements in its transaction too;
- for code that runs before Flask, without an app context (the survey submit's WSGI
  fast path), ``Kept``: a few connections of its own, kept open in autocommit.

What stays as it was:

- an error is raised as SQLAlchemy's (``sa.exc.DBAPIError`` and its kinds, the
  psycopg error as ``orig``), so that every caller and error page tells them apart as
  before (``portal.core.errors.database_away``).

SQLAlchemy's engine events do not see these statements; a test that counts statements
adds itself to ``WATCHERS`` as well.

Only PostgreSQL: ``connection`` answers None on any other database, and the caller
takes the session's path.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import g
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.orm import Session, scoped_session

from portal.db import closed
from portal.extensions import db

POSTGRESQL = "postgresql"
_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
IDLE = psycopg.pq.TransactionStatus.IDLE

_AUTOCOMMIT_ENGINE = "direct_autocommit_engine"  # in ``g``: the engine to check out from
_AUTOCOMMIT_CONNECTION = "direct_autocommit_connection"  # in ``g``: the one checked out

# Called with each statement's SQL before it is sent (tests count statements).
WATCHERS: list[Callable[[str], None]] = []


def compile_for_psycopg(statement: sa.ClauseElement) -> str:
    """``statement`` as psycopg's SQL text (named parameters, ``%(name)s``): built once
    by the caller and kept (``portal.surveys.answering.caches.statement``)."""
    return str(statement.compile(dialect=_DIALECT))


def connection(
    session: Session | scoped_session[Any] | None = None,
) -> psycopg.Connection[Any] | None:
    """The psycopg connection of ``session`` (the request's by default), or None when
    the database is not PostgreSQL."""
    kept = g.get(_AUTOCOMMIT_CONNECTION)
    if kept is not None:
        in_use: psycopg.Connection[Any] = kept.driver_connection
        return in_use
    engine = g.get(_AUTOCOMMIT_ENGINE)
    if engine is not None:
        kept = _check_out(engine)
        setattr(g, _AUTOCOMMIT_CONNECTION, kept)
        fresh: psycopg.Connection[Any] = kept.driver_connection
        return fresh
    if session is None:
        session = db.session
    if session.get_bind().dialect.name != POSTGRESQL:
        return None
    driver: psycopg.Connection[Any] | None = session.connection().connection.driver_connection
    return driver


def autocommit(engine: sa.Engine) -> None:
    """This request's statements here commit each on its own, on a connection of
    ``engine``'s pool (``without_transaction``, which has checked that the session is
    not bound to a connection of its own and has not begun)."""
    setattr(g, _AUTOCOMMIT_ENGINE, engine)


def autocommitting() -> bool:
    """Whether this request's statements here commit each on its own."""
    return g.get(_AUTOCOMMIT_ENGINE) is not None


def release(_error: BaseException | None = None) -> None:
    """Give the autocommit connection back to the pool, as the pool gave it (autocommit
    off); one that broke is dropped. At the end of every request (``teardown_request``)."""
    checked_out = g.pop(_AUTOCOMMIT_CONNECTION, None)
    g.pop(_AUTOCOMMIT_ENGINE, None)
    if checked_out is not None:
        _give_back(checked_out)


class Kept:
    """A few connections of ``engine`` (PostgreSQL's) kept open in autocommit, for code
    that runs before Flask without an app context: the survey submit's fast path
    (``surveys.views.fastpath``), thousands of times a day while a round is open.

    Taking one from the pool and giving it back (its check-out event, the autocommit
    switch both ways, the reset on return) cost about 40 µs of a submit's CPU, measured
    (``scripts/profile_submit.py``); taking a kept one costs a lock and one ``select``.
    Each is made by the engine's pool and then detached from it. A thread has one to
    itself for the ``with`` block; at most ``keep`` stay open between blocks. One found
    closed or broken is dropped and replaced, one left in a transaction is not kept, and
    ``engine.dispose()`` closes them all. A forked child never uses, or closes, its
    parent's: it starts afresh.
    """

    def __init__(self, engine: sa.Engine, keep: int = 2) -> None:
        self._engine = engine
        self._keep = keep
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        sa.event.listen(engine, "engine_disposed", self._disposed)

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A kept connection (or a new one) for the ``with`` block, in autocommit."""
        driver = self._take() or self._open()
        try:
            yield driver
        finally:
            self._put_back(driver)

    def _take(self) -> psycopg.Connection[Any] | None:
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                driver = self._idle.pop()
                if not closed(driver):
                    return driver
                driver.close()
        return None

    def _open(self) -> psycopg.Connection[Any]:
        made = _check_out(self._engine)
        driver: psycopg.Connection[Any] = made.driver_connection
        made.detach()  # the pool no longer counts it, nor gives it to anyone else
        return driver

    def _put_back(self, driver: psycopg.Connection[Any]) -> None:
        if driver.closed or driver.broken or driver.info.transaction_status != IDLE:
            driver.close()
            return
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < self._keep:
                self._idle.append(driver)
                return
        driver.close()

    def _disposed(self, _engine: sa.Engine) -> None:
        self.close()

    def close(self) -> None:
        """Close every kept connection; ``engine.dispose()`` does too."""
        with self._lock:
            idle, self._idle = self._idle, []
        for driver in idle:
            driver.close()


def _check_out(engine: sa.Engine) -> Any:
    """A pooled connection of ``engine``, its psycopg connection in autocommit."""
    checked_out: Any
    try:
        checked_out = engine.raw_connection()
    except psycopg.Error as error:  # the pool hands the driver's error on as it is
        raise sa.exc.DBAPIError.instance(
            None, None, error, psycopg.Error, dialect=_DIALECT
        ) from error
    checked_out.driver_connection.autocommit = True  # idle: no round trip
    return checked_out


def _give_back(checked_out: Any) -> None:
    """Back to the pool with autocommit off, as the pool gave it; dropped if broken."""
    driver = checked_out.driver_connection
    try:
        if driver.closed or driver.broken:
            checked_out.invalidate()
        else:
            driver.autocommit = False  # idle: no round trip
    except psycopg.Error:
        checked_out.invalidate()
    finally:
        checked_out.close()


def execute(
    driver: psycopg.Connection[Any], sql: str, params: Mapping[str, Any]
) -> psycopg.Cursor[Any]:
    """Run ``sql`` (prepared) on ``driver``; its cursor, rows as tuples."""
    for watch in WATCHERS:
        watch(sql)
    try:
        return driver.execute(sql, params, prepare=True)
    except psycopg.Error as error:
        raise sa.exc.DBAPIError.instance(
            sql,
            params,
            error,
            psycopg.Error,
            connection_invalidated=driver.broken,
            dialect=_DIALECT,
        ) from error
