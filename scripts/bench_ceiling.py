"""The ceiling of this machine: a minimal Flask app that answers with one ``SELECT 1``.

``make bench`` serves it with gunicorn exactly as it serves the portal (same worker
count, same PostgreSQL, same SQLAlchemy connection pool) and puts the same load on
it, so each portal figure can be read as a share of what the machine can do at all.

    cd scripts && DATABASE_URL=postgresql+psycopg://… ../.venv/bin/gunicorn -w 2 bench_ceiling:app
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_large"


def create_app(url: str | None = None) -> Flask:
    """The app: ``GET /`` runs ``SELECT 1`` on a pooled connection and says ok."""
    engine = sa.create_engine(url or os.environ.get("DATABASE_URL", DEFAULT_URL))
    ceiling = Flask(__name__)

    @ceiling.get("/")
    def select_one() -> tuple[str, int, dict[str, str]]:
        with engine.connect() as connection:
            value = connection.scalar(sa.text("SELECT 1"))
        return f"ok {value}\n", 200, {"Content-Type": "text/plain; charset=utf-8"}

    return ceiling


app = create_app()
