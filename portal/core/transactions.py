"""One transaction per request, committed in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response

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


def register_request_transaction(app: Flask) -> None:
    """Commit after a successful response, roll back otherwise."""

    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
