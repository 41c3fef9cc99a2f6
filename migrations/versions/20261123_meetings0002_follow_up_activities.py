"""follow-ups in the minutes link to activities of the group's action plan

Revision ID: meetings0002
Revises: surveys0001
Create Date: 2026-11-23

A follow-up item may point at the activity it created or updated. Deleting the
activity keeps the minutes intact and only drops the link (SET NULL). Batch mode
because SQLite cannot add a foreign key to an existing table.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "meetings0002"
down_revision = "surveys0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("minutes_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activity_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_minutes_items_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_items_activity_id_activities"),
            "activities",
            ["activity_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("minutes_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_minutes_items_activity_id_activities"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_minutes_items_activity_id"))
        batch_op.drop_column("activity_id")
