"""survey: instruments and rounds serve a respondent group; an association may run one
round per year and respondent group

Revision ID: surveys0005
Revises: privacy0002
Create Date: 2026-12-07

The national indicator system asks five respondent groups (participants in two
variants), each with its own questionnaire (issue 22). Every instrument version and
round so far asked the Mysam groups' members, "managers in collaboration", which is the
default. A round's respondent group is settled while it is a draft, like its instrument.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "surveys0005"
down_revision = "privacy0002"
branch_labels = None
depends_on = None

GROUPS = (
    "managers",
    "board",
    "staff",
    "referrers",
    "participants_ongoing",
    "participants_finished",
)
FROZEN_ROUND = "survey round settings cannot change once it has opened"
ROUND_NOT_DRAFT = "(SELECT status FROM survey_rounds WHERE id = NEW.round_id) <> 'draft'"


def _column() -> sa.Column:
    return sa.Column(
        "respondent_group",
        sa.Enum(
            *GROUPS,
            name="survey_respondent_group",
            native_enum=False,
            create_constraint=True,
            length=32,
        ),
        nullable=False,
        server_default="managers",
    )


def _round_changed(with_group: bool) -> str:
    group = " OR NEW.respondent_group <> OLD.respondent_group" if with_group else ""
    return (
        "OLD.status <> 'draft' AND (NEW.instrument_id <> OLD.instrument_id"
        f" OR NEW.min_answers <> OLD.min_answers{group}"
        " OR NEW.year <> OLD.year OR NEW.association_id <> OLD.association_id"
        " OR NEW.status = 'draft' OR (OLD.status = 'closed' AND NEW.status <> 'closed'))"
    )


def _postgres_round_frozen(with_group: bool) -> str:
    return f"""
CREATE OR REPLACE FUNCTION survey_round_frozen() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'survey_rounds' THEN
    IF {_round_changed(with_group)} THEN
      RAISE EXCEPTION '{FROZEN_ROUND}' USING ERRCODE = 'raise_exception';
    END IF;
  ELSIF {ROUND_NOT_DRAFT} THEN
    RAISE EXCEPTION '{FROZEN_ROUND}' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql"""


def _sqlite_round_frozen(with_group: bool) -> str:
    return f"""
        CREATE TRIGGER trg_survey_rounds_frozen BEFORE UPDATE ON survey_rounds
        WHEN {_round_changed(with_group)}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_ROUND}'); END"""


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
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("survey_instruments", _column())
        op.add_column("survey_rounds", _column())
        op.drop_constraint("uq_survey_rounds_association_id_year", "survey_rounds", type_="unique")
        op.create_unique_constraint(
            op.f("uq_survey_rounds_association_id_year_respondent_group"),
            "survey_rounds",
            ["association_id", "year", "respondent_group"],
        )
        op.execute(_postgres_round_frozen(with_group=True))
        return
    # SQLite copies a table to change its constraints; the copy has no triggers, so
    # keep them and make them again (the rounds' one with the respondent group frozen).
    instrument_triggers = _triggers_naming("survey_instruments")
    with op.batch_alter_table("survey_instruments") as batch:
        batch.add_column(_column())
    for sql in instrument_triggers.values():
        op.execute(sql)
    round_triggers = _triggers_naming("survey_rounds")
    round_triggers.pop("trg_survey_rounds_frozen", None)
    with op.batch_alter_table("survey_rounds") as batch:
        batch.add_column(_column())
        batch.drop_constraint("uq_survey_rounds_association_id_year", type_="unique")
        batch.create_unique_constraint(
            "uq_survey_rounds_association_id_year_respondent_group",
            ["association_id", "year", "respondent_group"],
        )
    for sql in round_triggers.values():
        op.execute(sql)
    op.execute(_sqlite_round_frozen(with_group=True))


def downgrade():
    others = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM survey_rounds WHERE respondent_group <> 'managers'")
    ) or op.get_bind().scalar(
        sa.text("SELECT count(*) FROM survey_instruments WHERE respondent_group <> 'managers'")
    )
    if others:
        raise RuntimeError(
            "rounds or instrument versions for other respondent groups exist; "
            "delete them before going back to one respondent group"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_round_frozen(with_group=False))
        op.drop_constraint(
            "uq_survey_rounds_association_id_year_respondent_group", "survey_rounds", type_="unique"
        )
        op.create_unique_constraint(
            op.f("uq_survey_rounds_association_id_year"), "survey_rounds", ["association_id", "year"]
        )
        op.drop_column("survey_rounds", "respondent_group")
        op.drop_column("survey_instruments", "respondent_group")
        return
    round_triggers = _triggers_naming("survey_rounds")
    round_triggers.pop("trg_survey_rounds_frozen", None)
    with op.batch_alter_table("survey_rounds") as batch:
        batch.drop_constraint("uq_survey_rounds_association_id_year_respondent_group", type_="unique")
        batch.create_unique_constraint(
            "uq_survey_rounds_association_id_year", ["association_id", "year"]
        )
        batch.drop_constraint("survey_respondent_group", type_="check")
        batch.drop_column("respondent_group")
    for sql in round_triggers.values():
        op.execute(sql)
    op.execute(_sqlite_round_frozen(with_group=False))
    instrument_triggers = _triggers_naming("survey_instruments")
    with op.batch_alter_table("survey_instruments") as batch:
        batch.drop_constraint("survey_respondent_group", type_="check")
        batch.drop_column("respondent_group")
    for sql in instrument_triggers.values():
        op.execute(sql)
