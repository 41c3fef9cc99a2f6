"""national reference figures; the board report's analysis texts and development areas

Revision ID: national0001
Revises: meetings0002
Create Date: 2026-11-30

``national_references`` holds the published national share of clearly positive answers
per year and question code (platform-wide, replaced a year at a time on import).
``report_analyses`` and ``report_development_areas`` are the board's own words in a
summary; ``report_development_area_targets`` records the plan (and the goal or activity)
an area was carried into. Removing the goal or activity keeps the link to the plan
(SET NULL); removing the plan or the area removes the link.
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


    op.create_table(
        "report_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period IN ('year', 'h1')", name=op.f("ck_report_analyses_period_known")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_report_analyses_year_range")),
        sa.ForeignKeyConstraint(
            ["association_id"], ["associations.id"],
            name=op.f("fk_report_analyses_association_id_associations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"],
            name=op.f("fk_report_analyses_updated_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_analyses")),
        sa.UniqueConstraint(
            "association_id", "year", "period", "section",
            name=op.f("uq_report_analyses_association_id_year_period_section"),
        ),
    )
    op.create_table(
        "report_development_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_report_development_areas_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["association_id"], ["associations.id"],
            name=op.f("fk_report_development_areas_association_id_associations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_report_development_areas_created_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_development_areas")),
    )
    op.create_index(
        op.f("ix_report_development_areas_association_id"),
        "report_development_areas", ["association_id"], unique=False,
    )
    op.create_table(
        "report_development_area_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"],
            name=op.f("fk_report_development_area_targets_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["report_development_areas.id"],
            name=op.f("fk_report_development_area_targets_area_id_report_development_areas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["result_goals.id"],
            name=op.f("fk_report_development_area_targets_goal_id_result_goals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"],
            name=op.f("fk_report_development_area_targets_plan_id_plans"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_development_area_targets")),
        sa.UniqueConstraint(
            "area_id", "plan_id", name=op.f("uq_report_development_area_targets_area_id_plan_id")
        ),
    )
    op.create_index(
        op.f("ix_report_development_area_targets_area_id"),
        "report_development_area_targets", ["area_id"], unique=False,
    )
    op.create_index(
        op.f("ix_report_development_area_targets_plan_id"),
        "report_development_area_targets", ["plan_id"], unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_report_development_area_targets_plan_id"),
        table_name="report_development_area_targets",
    )
    op.drop_index(
        op.f("ix_report_development_area_targets_area_id"),
        table_name="report_development_area_targets",
    )
    op.drop_table("report_development_area_targets")
    op.drop_index(
        op.f("ix_report_development_areas_association_id"), table_name="report_development_areas"
    )
    op.drop_table("report_development_areas")
    op.drop_table("report_analyses")
    op.drop_table("national_references")
