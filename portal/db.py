"""Declarative base, naming convention and the UTC time types every model uses."""

from __future__ import annotations

import datetime as dt
import enum
import select
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def enum_column(enum_cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum stored as text with a CHECK constraint (no native PG type)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def affected_rows(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed.

    ``Session.execute`` is typed to return a plain ``Result``; for a data-changing
    statement it is a ``CursorResult``, which alone carries the count.
    """
    if not isinstance(result, sa.CursorResult):
        raise TypeError(f"{type(result).__name__} is not the result of an UPDATE or DELETE")
    return result.rowcount


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite has no time zones; PostgreSQL's ``timestamptz`` does. Either way the
    application only ever sees aware UTC datetimes and refuses naive ones.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention so migrations stay stable."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


class TimestampMixin:
    """Creation and update times in UTC."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """A version that the save services count on (``portal.core.concurrency``): an edit
    form carries it, and a save from an older form is a conflict, not an overwrite."""

    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")


def configure_sqlite(engine: sa.engine.Engine) -> None:
    """Enforce foreign keys and make SAVEPOINT work on SQLite.

    pysqlite's own transaction handling ignores SAVEPOINT; the recipe from the
    SQLAlchemy documentation hands BEGIN to SQLAlchemy instead.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Deleted rows are overwritten with zeros, not left in free pages: a closed
        # survey round's ballots, drafts and keys must not be readable from the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.engine.Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def configure_postgresql(engine: sa.engine.Engine) -> None:
    """Replace a pooled connection that the server has closed, without a round trip.

    PostgreSQL closes its end of a connection when it restarts or ends a session
    (``pg_terminate_backend``, an idle timeout); the socket of an idle connection then
    reads as ready (end of file, or the server's last message). SQLAlchemy's
    ``pool_pre_ping`` asked the server instead, on every checkout: a round trip and two
    switches of autocommit, a fifth of the survey form's time in the app. A connection
    found closed is replaced before use (the pool opens a new one on
    ``DisconnectionError``); one that is lost without the server closing it still fails
    its request, and the pool then starts afresh.
    """

    @sa.event.listens_for(engine, "checkout")
    def _replace_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if closed(dbapi_connection):
            raise sa.exc.DisconnectionError("the connection is closed")


def closed(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection is closed, at either end (no round trip)."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    ready, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    return bool(ready)  # nothing is expected on an idle connection but the server's goodbye
