"""national reference figures; the board report's analysis texts and development areas

Revision ID: national0001
Revises: meetings0002
Create Date: 2026-11-30

``national_references`` holds the published national share of clearly positive answers
per year and question code (platform-wide, replaced a year at a time on import).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "national0001"
down_revision = "meetings0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "national_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("question_code", sa.String(length=32), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "share >= 0 AND share <= 1", name=op.f("ck_national_references_share_range")
        ),
        sa.CheckConstraint(
            "respondents IS NULL OR respondents >= 0",
            name=op.f("ck_national_references_respondents_positive"),
        ),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_national_references_year_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_references")),
        sa.UniqueConstraint(
            "year", "question_code", name=op.f("uq_national_references_year_question_code")
        ),
    )


def downgrade():
    op.drop_table("national_references")
