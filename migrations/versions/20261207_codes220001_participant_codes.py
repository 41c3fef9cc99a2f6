"""survey: anonymous single-use participant codes (source CODES)

Revision ID: codes220001
Revises: national22_0001
Create Date: 2026-12-07

Participants answer without any person list (issue 22): an admin issues codes per
Mysam group of the round, each an invitation with no membership and no agency kind
(nullable since rounds220001),
whose token hash is keyed by the round's link secret. ``survey_code_batches`` says who
issued how many when, for the response rate (codes used / codes handed out).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "codes220001"
down_revision = "national22_0001"
branch_labels = None
depends_on = None

def _triggers_naming(table: str) -> dict[str, str]:
    """SQLite: drop and return every trigger on or mentioning ``table``. A table copy
    has no triggers, and SQLite refuses to rename the copy while a trigger elsewhere
    refers to the table by name."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            " AND (tbl_name = :table OR sql LIKE '%' || :table || '%')"
        ),
        {"table": table},
    ).all()
    for name, _sql in rows:
        op.execute(f"DROP TRIGGER {name}")
    return {name: sql for name, sql in rows}


def upgrade():
    op.create_table(
        "survey_code_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.CheckConstraint("issued >= 1", name=op.f("ck_survey_code_batches_issued_positive")),
        sa.CheckConstraint(
            "withdrawn BETWEEN 0 AND issued",
            name=op.f("ck_survey_code_batches_withdrawn_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["survey_rounds.id"],
            name=op.f("fk_survey_code_batches_round_id_survey_rounds"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"],
            name=op.f("fk_survey_code_batches_group_id_groups"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"],
            name=op.f("fk_survey_code_batches_issued_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_code_batches")),
        sa.UniqueConstraint("request_key", name=op.f("uq_survey_code_batches_request_key")),
    )
    for column in ("round_id", "group_id", "issued_by_id"):
        op.create_index(
            op.f(f"ix_survey_code_batches_{column}"), "survey_code_batches", [column]
        )
    column = sa.Column("code_batch_id", sa.Integer(), nullable=True)
    fk = op.f("fk_survey_invitations_code_batch_id_survey_code_batches")
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("survey_invitations", column)
        op.create_foreign_key(
            fk, "survey_invitations", "survey_code_batches", ["code_batch_id"], ["id"],
            ondelete="CASCADE",
        )
    else:
        triggers = _triggers_naming("survey_invitations")
        with op.batch_alter_table("survey_invitations") as batch:
            batch.add_column(column)
            batch.create_foreign_key(
                fk, "survey_code_batches", ["code_batch_id"], ["id"], ondelete="CASCADE"
            )
        for sql in triggers.values():
            op.execute(sql)
    op.create_index(
        op.f("ix_survey_invitations_code_batch_id"), "survey_invitations", ["code_batch_id"]
    )


def downgrade():
    codes = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM survey_invitations WHERE code_batch_id IS NOT NULL")
    )
    if codes:
        raise RuntimeError(
            f"{codes} survey invitations are participant codes; delete their rounds "
            "before going back to rounds without codes"
        )
    op.drop_index(op.f("ix_survey_invitations_code_batch_id"), table_name="survey_invitations")
    fk = op.f("fk_survey_invitations_code_batch_id_survey_code_batches")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(fk, "survey_invitations", type_="foreignkey")
        op.drop_column("survey_invitations", "code_batch_id")
    else:
        triggers = _triggers_naming("survey_invitations")
        with op.batch_alter_table("survey_invitations") as batch:
            batch.drop_constraint(fk, type_="foreignkey")
            batch.drop_column("code_batch_id")
        for sql in triggers.values():
            op.execute(sql)
    for column in ("round_id", "group_id", "issued_by_id"):
        op.drop_index(op.f(f"ix_survey_code_batches_{column}"), table_name="survey_code_batches")
    op.drop_table("survey_code_batches")
