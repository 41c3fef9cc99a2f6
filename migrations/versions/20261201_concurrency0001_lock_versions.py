"""concurrency: a lock_version on every editable shared object

Revision ID: concurrency0001
Revises: surveys0003
Create Date: 2026-12-01

Plan texts, result goals, activities and analysis texts had a version already. Every
other object that people edit through a form gets one too (a person's roles in an
association are versioned on their row of the register, association_people), so that a save made from
a page opened before someone else's save is shown as a conflict instead of silently
replacing it (issue 16). The column starts at 1; the save services count it on.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "concurrency0001"
down_revision = "surveys0003"
branch_labels = None
depends_on = None

TABLES = (
    "associations",
    "agencies",
    "users",
    "association_people",
    "groups",
    "memberships",
    "goal_areas",
    "template_sections",
    "template_fields",
    "meetings",
    "meeting_minutes",
    "report_development_areas",
    "survey_rounds",
)


def upgrade():
    # Plain ALTER TABLE on both databases: a batch copy on SQLite would drop the
    # triggers that freeze published template versions.
    for table in TABLES:
        op.add_column(
            table, sa.Column("lock_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    for table in reversed(TABLES):
        op.drop_column(table, "lock_version")
