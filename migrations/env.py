"""Alembic environment, driven by Flask-Migrate and the app's own engine."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a database connection."""
    context.configure(
        # The URL object itself: str() would mask the password, and the %-escaping
        # is only for values put into the ini file, which this is not.
        url=migrate_ext.db.engine.url,
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the app's engine; an empty autogenerate makes no file."""

    def process_revision_directives(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with migrate_ext.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys_off(connection)
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        if sqlite:
            # Never hand a connection without enforcement back to the pool: the next
            # connection is made with it (portal.db.configure_sqlite).
            connection.commit()
            connection.invalidate()


def _sqlite_foreign_keys_off(connection) -> None:
    """SQLite changes a table by copying it and dropping the original, and with foreign
    keys enforced the drop first deletes every row, cascading to the rows that refer to
    it (a round's invitations and responses). Migrations therefore run with enforcement
    off, as SQLite's documentation advises, and ``PRAGMA foreign_key_check`` verifies the
    result before the transaction commits. The pragma only works outside a transaction,
    hence the raw connection (pysqlite runs it in autocommit mode here)."""
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
