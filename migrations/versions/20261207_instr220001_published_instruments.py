"""survey: instrument versions are drafts until the platform admin publishes them

Revision ID: instr220001
Revises: surveys0005
Create Date: 2026-12-07

The national network uploads instrument versions through a page and publishes each to
every association at once (issue 22). Until published a version is a draft that only
the platform admin sees and may replace; the version column makes a publish made from a
page opened before a re-upload a conflict rather than the publishing of unseen wording.
Every version stored so far has been offered to the associations, and some are in use:
they are published as of their import.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "instr220001"
down_revision = "surveys0005"
branch_labels = None
depends_on = None

FROZEN_TRIGGER = "trg_survey_instruments_frozen"


def _publish_existing() -> None:
    """Mark every stored version published. The frozen-version trigger refuses any
    update of a version in use, this one included, so it steps aside meanwhile."""
    bind = op.get_bind()
    update = "UPDATE survey_instruments SET published_at = imported_at"
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE survey_instruments DISABLE TRIGGER {FROZEN_TRIGGER}")
        op.execute(update)
        op.execute(f"ALTER TABLE survey_instruments ENABLE TRIGGER {FROZEN_TRIGGER}")
        return
    sql = bind.scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FROZEN_TRIGGER},
    )
    if sql:
        op.execute(f"DROP TRIGGER {FROZEN_TRIGGER}")
    op.execute(update)
    if sql:
        op.execute(sql)


def upgrade():
    # Plain ALTER TABLE on both databases: a batch copy on SQLite would drop the
    # triggers that freeze used versions.
    op.add_column(
        "survey_instruments", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "survey_instruments",
        sa.Column("lock_version", sa.Integer(), nullable=False, server_default="1"),
    )
    _publish_existing()


def downgrade():
    # Before this revision every stored version was offered to the associations, so
    # going back would publish the drafts' unreviewed wording.
    drafts = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM survey_instruments WHERE published_at IS NULL")
    )
    if drafts:
        raise RuntimeError(
            "unpublished instrument versions exist; publish or delete them before going "
            "back to a version of the portal where every stored version is offered"
        )
    op.drop_column("survey_instruments", "lock_version")
    op.drop_column("survey_instruments", "published_at")
