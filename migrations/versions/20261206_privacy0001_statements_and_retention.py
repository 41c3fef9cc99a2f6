"""privacy: statements the law asks for, and retention rules

Revision ID: privacy0001
Revises: notify0001
Create Date: 2026-12-06

A public body publishes an accessibility statement and a privacy notice per
association, and culls personal data on a schedule (issue 20). ``statements`` holds
both kinds of text, one row per key (``accessibility`` or ``privacy:<association>``);
``retention_rules`` holds a category's period once the platform admin changed it from
the default.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "privacy0001"
down_revision = "notify0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.Column("compliance", sa.String(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('accessibility', 'privacy')", name=op.f("ck_statements_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["associations.id"],
            name=op.f("fk_statements_association_id_associations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_statements_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("key", name=op.f("uq_statements_key")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statements_association_id"), ["association_id"], unique=False
        )
    op.create_table(
        "retention_rules",
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("days BETWEEN 1 AND 36500", name=op.f("ck_retention_rules_days_range")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_retention_rules_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_retention_rules")),
    )


def downgrade():
    op.drop_table("retention_rules")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_association_id"))
    op.drop_table("statements")
