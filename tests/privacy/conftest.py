"""The privacy tests run on the board summary's data set (tests/support/reporting.py),
whose every figure is known, with a few more places a person's name turns up."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from tests.request_context import request_context  # noqa: F401 - autouse here


def text_columns() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every text and JSON column of every table in the models' metadata."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.JSON) or (
                isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum)
            ):
                found.append((table, column))
    return found


def where_found(needle: str) -> list[str]:
    """``table.column`` of every stored value that holds ``needle`` (also as escaped JSON),
    read row by row in Python so that no database's LIKE rules decide."""
    spellings = {needle, json.dumps(needle)[1:-1]}
    hits = []
    for table, column in text_columns():
        for (value,) in db.session.execute(sa.select(column).where(column.is_not(None))):
            text = value if isinstance(value, str) else json.dumps(value)
            if any(s in text for s in spellings) or needle in json.dumps(value, ensure_ascii=False):
                hits.append(f"{table.name}.{column.name}")
                break
    return hits
