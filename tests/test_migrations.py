"""Migrations build the schema the models describe, and every one of them can be undone.

These run on a database of their own (never the one the other tests share): a new
SQLite file, or on PostgreSQL a sibling database ``<name>_migrations`` next to
``TEST_DATABASE_URL``, wiped at the start.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade

from portal import PROJECT_ROOT, create_app
from portal.db import UTCDateTime
from portal.extensions import db
from tests.conftest import TEST_CONFIG

VERSIONS = PROJECT_ROOT / "migrations" / "versions"
MIGRATION_FILES = sorted(VERSIONS.glob("*.py"))


def _postgres_sibling(url: str) -> str:
    """Create (once) the ``<dbname>_migrations`` database beside ``url``; return its URL."""
    import psycopg
    from psycopg import sql

    base = sa.make_url(url)
    name = f"{base.database}_migrations"
    connect_args = {
        "host": base.host,
        "port": base.port,
        "user": base.username,
        "password": base.password,
        "autocommit": True,
    }
    with psycopg.connect(dbname=base.database, **connect_args) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(dbname=name, **connect_args) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def migration_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on an empty database of its own."""
    shared = os.environ.get("TEST_DATABASE_URL")
    if shared:
        url = _postgres_sibling(shared)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'migrations.sqlite'}"
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    yield application
    with application.app_context():
        db.engine.dispose()


def _wipe() -> None:
    """Drop everything in the current app's database, Alembic's table included."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        return
    meta = sa.MetaData()
    meta.reflect(bind=engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        meta.drop_all(bind=conn)
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _differences(metadata: sa.MetaData | None = None) -> list[object]:
    """What autogenerate would put in a new migration (empty when models and schema agree)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata or db.metadata))


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_matches_models_and_downgrade_undoes_it(migration_app: Flask) -> None:
    with migration_app.app_context():
        _wipe()
        assert _tables() == set()

        upgrade()

        head = _script().get_current_head()
        assert _current_revision() == head
        assert set(db.metadata.tables) <= _tables()
        assert _differences() == []

        downgrade(revision="base")

        assert _tables() <= {"alembic_version"}
        assert _current_revision() is None

        upgrade()

        assert _current_revision() == head
        assert _differences() == []


def test_the_comparison_sees_a_difference(migration_app: Flask) -> None:
    """Guard for the test above: a model change the migrations lack is reported."""
    with migration_app.app_context():
        _wipe()
        upgrade()
        changed = sa.MetaData(naming_convention=db.metadata.naming_convention)
        for table in db.metadata.tables.values():
            table.to_metadata(changed)
        changed.tables["users"].append_column(sa.Column("nickname", sa.String(50)))

        differences = _differences(changed)

        assert [d[0] for d in differences if isinstance(d, tuple)] == ["add_column"]


def test_utc_datetime_compares_equal_to_a_timezone_aware_datetime(migration_app: Flask) -> None:
    """Autogenerate must not see UTCDateTime as a change from DateTime(timezone=True)."""
    with migration_app.app_context(), db.engine.connect() as conn:
        impl = MigrationContext.configure(conn, opts={"compare_type": True}).impl
        migrated = sa.Column("at", sa.DateTime(timezone=True))
        modelled = sa.Column("at", UTCDateTime())
        assert not impl.compare_type(migrated, modelled)
        if conn.dialect.name == "postgresql":  # SQLite has one DATETIME for both
            assert impl.compare_type(sa.Column("at", sa.DateTime()), modelled)


def test_constraint_names_match_the_models(migration_app: Flask) -> None:
    """Autogenerate ignores CHECK constraints; later migrations need their names right."""

    def constraint_names() -> dict[str, set[str]]:
        inspector = sa.inspect(db.engine)
        names: dict[str, set[str]] = {}
        for table in db.metadata.tables:
            found = {c["name"] for c in inspector.get_check_constraints(table)}
            found |= {c["name"] for c in inspector.get_unique_constraints(table)}
            found |= {c["name"] for c in inspector.get_foreign_keys(table)}
            found |= {i["name"] for i in inspector.get_indexes(table)}
            names[table] = found
        return names

    with migration_app.app_context():
        _wipe()
        upgrade()
        migrated = constraint_names()
        _wipe()
        db.metadata.create_all(db.engine)
        modelled = constraint_names()
        _wipe()

    assert migrated == modelled
    assert "ck_users_email_lowercase" in migrated["users"]
    assert "ck_memberships_valid_range" in migrated["memberships"]


def test_there_is_one_head(migration_app: Flask) -> None:
    with migration_app.app_context():
        assert len(_script().get_heads()) == 1


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda p: p.name)
def test_migration_file_has_a_real_downgrade(path: Path) -> None:
    assert re.match(r"\d{8}_[0-9a-z]+_\w+\.py$", path.name), "name it by date: YYYYMMDD_rev_slug"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "upgrade" in functions
    assert "downgrade" in functions, "every migration needs a downgrade()"
    body = [
        statement
        for statement in functions["downgrade"].body
        if not isinstance(statement, ast.Pass)
        and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
    ]
    assert body, "downgrade() must undo the upgrade, not just pass"
    assert not all(isinstance(statement, ast.Raise) for statement in body), "nor just raise"


def test_there_are_migrations() -> None:
    assert MIGRATION_FILES


def test_sealed_ballots_refuse_to_migrate_while_a_round_is_open(migration_app: Flask) -> None:
    """Links of an open round were made from SECRET_KEY and would stop working: the
    revision that brings per-round keys (and drops the agency-kind setting) refuses to
    run, either way, while a round is open."""
    with migration_app.app_context():
        _wipe()
        upgrade(revision="concurrency0001")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO associations (name, slug, min_survey_answers, created_at,"
                    " updated_at) VALUES ('F', 'f', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO survey_instruments (code, version, title, is_example, notice,"
                    " definition, imported_at) VALUES ('c', '1', 't', false, '', '{}',"
                    " CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO survey_rounds (association_id, year, instrument_id, opens_on,"
                    " closes_on, min_answers, record_agency_kind, status)"
                    " SELECT a.id, 2026, i.id, '2026-08-15', '2026-09-30', 3, true, 'open'"
                    " FROM associations AS a, survey_instruments AS i"
                )
            )
        with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError, then exits
            upgrade(revision="surveys0004")
        assert _current_revision() == "concurrency0001"
        db.session.remove()
        _wipe()


def _triggers(table: str) -> set[str]:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            sql = (
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgrelid = CAST(:table AS regclass)"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
        return set(conn.execute(sa.text(sql), {"table": table}).scalars())


def test_changing_a_column_keeps_the_tables_triggers(migration_app: Flask) -> None:
    """SQLite changes a column by copying its table, and the copy has no triggers:
    privacy0002 (survey_invitations.membership_id) must make them again, or a submit
    would leave its draft behind."""
    with migration_app.app_context():
        _wipe()
        upgrade(revision="privacy0001")
        before = _triggers("survey_invitations")
        assert "trg_survey_invitations_answered" in before
        upgrade()
        assert _triggers("survey_invitations") == before
        downgrade(revision="privacy0001")
        assert _triggers("survey_invitations") == before
        upgrade()


def _all_triggers() -> set[str]:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return set(conn.execute(sa.text(sql)).scalars())


def _count(table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def test_respondent_groups_keep_every_row_and_trigger(migration_app: Flask) -> None:
    """surveys0005 copies survey_rounds and survey_instruments on SQLite. With foreign
    keys enforced, dropping the original would first delete its rows and cascade to the
    rounds' invitations and responses; migrations run with enforcement off, and every
    row and trigger must be there afterwards, either way."""
    with migration_app.app_context():
        _wipe()
        upgrade(revision="privacy0002")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO associations (name, slug, min_survey_answers, created_at,"
                    " updated_at) VALUES ('F', 'f', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO groups (association_id, name, created_at, updated_at)"
                    " SELECT id, 'G', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM associations"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO survey_instruments (code, version, title, is_example, notice,"
                    " definition, imported_at) VALUES ('c', '1', 't', false, '', '{}',"
                    " CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO survey_rounds (association_id, year, instrument_id, opens_on,"
                    " closes_on, min_answers, status)"
                    " SELECT a.id, 2025, i.id, '2025-08-15', '2025-09-30', 3, 'draft'"
                    " FROM associations AS a, survey_instruments AS i"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO survey_round_groups (round_id, group_id)"
                    " SELECT r.id, g.id FROM survey_rounds AS r, groups AS g"
                )
            )
            for n in range(3):
                conn.execute(
                    sa.text(
                        "INSERT INTO survey_invitations (round_id, group_id, agency_kind,"
                        " token_salt, token_hash, answered, invited_at, reminders)"
                        " SELECT r.id, g.id, 'municipality', :salt, :hash, true,"
                        " CURRENT_TIMESTAMP, 0 FROM survey_rounds AS r, groups AS g"
                    ),
                    {"salt": f"s{n}", "hash": f"h{n}"},
                )
            conn.execute(sa.text("UPDATE survey_rounds SET status = 'open'"))
            conn.execute(sa.text("UPDATE survey_rounds SET status = 'closed'"))
        tables = (
            "survey_rounds",
            "survey_round_groups",
            "survey_invitations",
            "survey_instruments",
        )
        counts = {table: _count(table) for table in tables}
        triggers = _all_triggers()
        upgrade()
        assert {table: _count(table) for table in tables} == counts
        assert _all_triggers() == triggers
        with db.engine.connect() as conn:
            assert (
                conn.execute(sa.text("SELECT respondent_group FROM survey_rounds")).scalar_one()
                == "managers"
            )
        with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE survey_rounds SET respondent_group = 'board'"))
        downgrade(revision="privacy0002")
        assert {table: _count(table) for table in tables} == counts
        assert _all_triggers() == triggers
        upgrade()
        db.session.remove()
        _wipe()
