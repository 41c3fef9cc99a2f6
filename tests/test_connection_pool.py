"""PostgreSQL connections: one the server has closed is replaced before use; a request
runs without a transaction only when it asks before its first statement."""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg
import pytest

from portal.extensions import db

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="server-side disconnects need PostgreSQL",
)


def test_connections_the_server_closed_are_replaced_without_an_error(app: Any) -> None:
    """PostgreSQL restarted or ended the sessions: every pooled connection is closed on
    the server's side. The next requests still succeed, on new connections, and no
    request pays a round trip to find out."""
    with app.app_context():
        engine = db.engine
        pooled = [engine.connect() for _ in range(3)]
        pids = {c.exec_driver_sql("SELECT pg_backend_pid()").scalar() for c in pooled}
        for connection in pooled:
            connection.close()
        url = engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.3)  # the server closes the sockets
        client = app.test_client()
        statuses = [client.get("/healthz").status_code for _ in range(len(pids) + 1)]
        with engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert statuses == [200] * (len(pids) + 1)
    assert pid not in pids


def test_a_request_that_began_a_transaction_keeps_it(app: Any) -> None:
    """without_transaction() after a statement leaves the transaction as it is, and the
    request is committed as any other: nothing written is lost. Before one, the direct
    statements (``portal.core.direct``) go to a pooled connection in autocommit, the
    session keeps its transactions, and the connection goes back to the pool as it
    came (autocommit off)."""
    import sqlalchemy as sa

    from portal.core import direct
    from portal.core.transactions import without_transaction

    with app.test_request_context("/"):
        db.session.execute(sa.text("CREATE TEMPORARY TABLE IF NOT EXISTS kept (n integer)"))
        without_transaction()
        assert not direct.autocommitting()
        assert direct.connection() is db.session.connection().connection.driver_connection
        assert not db.session.connection().connection.dbapi_connection.autocommit
        db.session.rollback()
    with app.test_request_context("/"):
        without_transaction()
        assert direct.autocommitting()
        driver = direct.connection()
        assert driver is not None
        assert driver.autocommit
        assert direct.connection() is driver  # one connection for the request
        assert not db.session.connection().connection.dbapi_connection.autocommit
        db.session.remove()
        direct.release()
        assert not driver.autocommit
        assert not direct.autocommitting()


def _terminate(engine: Any, pids: set[int]) -> None:
    url = engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.3)  # the server closes the sockets


def test_kept_connections_are_reused_replaced_when_closed_and_never_a_parents(app: Any) -> None:
    """The fast path's own connections (``direct.Kept``): the same one serves request
    after request, in autocommit; one the server closed is replaced before use, without
    an error; one left in a transaction is not kept; a forked child opens its own and
    leaves the parent's alone; no more than ``keep`` stay open."""
    import threading

    from portal.core import direct

    with app.app_context():
        engine = db.engine
    kept = direct.Kept(engine, keep=1)
    try:

        def backend() -> int:
            with kept.connection() as driver:
                assert driver.autocommit
                row = driver.execute("SELECT pg_backend_pid()").fetchone()
                assert row is not None
                return int(row[0])

        first = backend()
        assert backend() == first  # kept, not made again

        _terminate(engine, {first})
        second = backend()  # no error: the closed one was dropped before use
        assert second != first
        assert backend() == second

        with kept.connection() as driver:  # left in a transaction: not kept
            driver.autocommit = False
            driver.execute("SELECT 1")
        third = backend()
        assert third != second

        parent = kept._idle[0]
        kept._pid = -1  # as a forked child sees its parent's
        assert backend() != third
        assert not parent.closed  # left to the parent

        both: list[int] = []
        barrier = threading.Barrier(2)

        def hold() -> None:
            with kept.connection() as driver:
                barrier.wait()  # both held at once: two connections
                row = driver.execute("SELECT pg_backend_pid()").fetchone()
                assert row is not None
                both.append(int(row[0]))
                barrier.wait()

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert len(set(both)) == 2
        assert len(kept._idle) == 1  # keep=1: the other was closed
    finally:
        kept.close()
        parent.close()
