"""survey: board and list respondents; invitations and responses without a Mysam group

Revision ID: rounds220001
Revises: instr220001
Create Date: 2026-12-07

A round's respondents come from its respondent group's source (issue 22): the Mysam
groups' members as before, the association's board, or a list of names and addresses
the admin uploads (``survey_list_entries``, deleted when the round closes). Board and
list respondents belong to no Mysam group: their invitations and responses are at the
association level (``group_id`` empty), and invitations name the board member
(``user_id``) or the list's line (``entry_id``) instead of a membership.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "rounds220001"
down_revision = "instr220001"
branch_labels = None
depends_on = None

AGENCY_KIND = sa.Enum(
    "state",
    "region",
    "municipality",
    name="agency_kind",
    native_enum=False,
    create_constraint=True,
    length=32,
)


def _triggers_naming(table: str) -> dict[str, str]:
    """SQLite: drop and return every trigger on or mentioning ``table`` (a table copy
    has none, and SQLite refuses to rename the copy while a trigger names the table)."""
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND (tbl_name = :table OR sql LIKE '%' || :table || '%')"
            ),
            {"table": table},
        )
        .all()
    )
    for name, _sql in rows:
        op.execute(f"DROP TRIGGER {name}")
    return {name: sql for name, sql in rows}


def _invitation_columns(batch, nullable: bool) -> None:
    batch.alter_column("group_id", existing_type=sa.Integer(), nullable=nullable)
    batch.alter_column("agency_kind", existing_type=AGENCY_KIND, nullable=nullable)


def upgrade():
    op.create_table(
        "survey_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_rounds.id"],
            name=op.f("fk_survey_list_entries_round_id_survey_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_list_entries")),
        sa.UniqueConstraint(
            "round_id", "email", name=op.f("uq_survey_list_entries_round_id_email")
        ),
    )
    with op.batch_alter_table("survey_list_entries") as batch:
        batch.create_index(batch.f("ix_survey_list_entries_round_id"), ["round_id"], unique=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    triggers = _triggers_naming("survey_invitations") if sqlite else {}
    with op.batch_alter_table("survey_invitations") as batch:
        _invitation_columns(batch, nullable=True)
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_survey_invitations_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            batch.f("fk_survey_invitations_entry_id_survey_list_entries"),
            "survey_list_entries",
            ["entry_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(batch.f("ix_survey_invitations_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_survey_invitations_entry_id"), ["entry_id"], unique=False)
        batch.create_unique_constraint(
            batch.f("uq_survey_invitations_round_id_user_id"), ["round_id", "user_id"]
        )
        batch.create_unique_constraint(
            batch.f("uq_survey_invitations_round_id_entry_id"), ["round_id", "entry_id"]
        )
    for sql in triggers.values():
        op.execute(sql)
    triggers = _triggers_naming("survey_responses") if sqlite else {}
    # The copy must stay without rowid: nothing may number the responses.
    with op.batch_alter_table(
        "survey_responses", table_kwargs={"sqlite_with_rowid": False}
    ) as batch:
        batch.alter_column("group_id", existing_type=sa.Integer(), nullable=True)
    for sql in triggers.values():
        op.execute(sql)


def downgrade():
    bind = op.get_bind()
    association_level = bind.scalar(
        sa.text("SELECT count(*) FROM survey_invitations WHERE group_id IS NULL")
    ) or bind.scalar(sa.text("SELECT count(*) FROM survey_responses WHERE group_id IS NULL"))
    if association_level:
        raise RuntimeError(
            "board or list rounds have invitations or responses without a group; "
            "delete those rounds before going back to group-only rounds"
        )
    sqlite = bind.dialect.name == "sqlite"
    triggers = _triggers_naming("survey_responses") if sqlite else {}
    with op.batch_alter_table(
        "survey_responses", table_kwargs={"sqlite_with_rowid": False}
    ) as batch:
        batch.alter_column("group_id", existing_type=sa.Integer(), nullable=False)
    for sql in triggers.values():
        op.execute(sql)
    triggers = _triggers_naming("survey_invitations") if sqlite else {}
    with op.batch_alter_table("survey_invitations") as batch:
        batch.drop_constraint("uq_survey_invitations_round_id_entry_id", type_="unique")
        batch.drop_constraint("uq_survey_invitations_round_id_user_id", type_="unique")
        batch.drop_index(batch.f("ix_survey_invitations_entry_id"))
        batch.drop_index(batch.f("ix_survey_invitations_user_id"))
        batch.drop_constraint(
            "fk_survey_invitations_entry_id_survey_list_entries", type_="foreignkey"
        )
        batch.drop_constraint("fk_survey_invitations_user_id_users", type_="foreignkey")
        batch.drop_column("entry_id")
        batch.drop_column("user_id")
        _invitation_columns(batch, nullable=False)
    for sql in triggers.values():
        op.execute(sql)
    with op.batch_alter_table("survey_list_entries") as batch:
        batch.drop_index(batch.f("ix_survey_list_entries_round_id"))
    op.drop_table("survey_list_entries")
