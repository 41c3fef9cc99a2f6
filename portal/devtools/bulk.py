"""Bulk inserts for the data generator: ids handed out in Python, rows sent in batches.

The generator builds plain dictionaries and never loads ORM objects, so ids are
assigned here (continuing after the highest id already in each table) and each
table's rows go to the database in bulk: ``COPY`` on PostgreSQL, ``executemany`` in
batches on SQLite. Statements that
must run after the rows are in (publishing a template version, closing a survey
round: the database refuses those rows' children once they are published or open)
are queued and run after each flush.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from portal.extensions import db

BATCH_SIZE = 5000


class BulkWriter:
    """Buffers rows per table and writes them in foreign-key order on ``flush()``."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.after: list[sa.Executable] = []
        self.counts: dict[str, int] = defaultdict(int)
        self._next_id: dict[str, int] = {}

    def new_id(self, table: str) -> int:
        """The next free integer id of ``table`` (read from the database once)."""
        if table not in self._next_id:
            column = db.metadata.tables[table].c.id
            highest = self.connection.scalar(sa.select(sa.func.max(column)))
            self._next_id[table] = int(highest or 0) + 1
        value = self._next_id[table]
        self._next_id[table] = value + 1
        return value

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def add_with_id(self, table: str, row: dict[str, Any]) -> int:
        """Add a row under a fresh id; returns the id."""
        row_id = self.new_id(table)
        self.rows[table].append({"id": row_id, **row})
        return row_id

    def then(self, statement: sa.Executable) -> None:
        """Run ``statement`` after the next flush of the rows."""
        self.after.append(statement)

    def flush(self) -> None:
        """Write every buffered row, parents before children, then the queued statements."""
        for table in db.metadata.sorted_tables:
            rows = self.rows.pop(table.name, None)
            if rows:
                self._insert(table, rows)
                self.counts[table.name] += len(rows)
        if self.rows:
            raise RuntimeError(f"rows for unknown tables: {sorted(self.rows)}")
        for statement in self.after:
            self.connection.execute(statement)
        self.after.clear()

    def _insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if self.connection.dialect.name == "postgresql":
            _copy(self.connection, table, rows)
        else:
            for chunk in _chunks(rows, BATCH_SIZE):
                self.connection.execute(table.insert(), chunk)

    def reset_sequences(self) -> None:
        """On PostgreSQL, move each id sequence past the ids handed out here."""
        if self.connection.dialect.name != "postgresql":
            return
        for table in self._next_id:
            self.connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                    f" (SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )

    def analyze(self) -> None:
        """Refresh the planner's statistics of every table written.

        Without this, PostgreSQL plans the survey results on empty statistics after a
        bulk load and scans every answer of every round (0.8 s instead of 1 ms a query
        at 80 associations × 10 years) until autovacuum gets round to it.
        """
        if self.connection.dialect.name == "postgresql":
            for table in sorted(self.counts):
                self.connection.execute(sa.text(f"ANALYZE {table}"))
        else:
            self.connection.execute(sa.text("ANALYZE"))


def _copy(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` in the connection's transaction (executemany and
    multi-row VALUES both managed only a few thousand rows a second here)."""
    columns = list(rows[0])
    # Core fills Python-side column defaults (created_at, …) for INSERT; COPY does not.
    defaults = {
        column.name: column.default
        for column in table.columns
        if column.name not in rows[0] and isinstance(column.default, sa.ColumnDefault)
    }
    fill = {
        name: default.arg if default.is_scalar else default.arg(None)
        for name, default in defaults.items()
    }
    columns += list(fill)
    rows = [{**row, **fill} for row in rows] if fill else rows
    names = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_plain(row[name]) for name in columns])


def _plain(value: Any) -> Any:
    """Enums as their stored value; JSON columns are not written by the generator."""
    return value.value if isinstance(value, enum.Enum) else value


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
