"""survey: sealed ballots and per-round keys; responses are written when a round closes;
rounds no longer have an agency-kind setting

Revision ID: surveys0004
Revises: concurrency0001
Create Date: 2026-12-06

A submit no longer writes a response: it seals the answers to the round's public key
(``survey_ballots``, no invitation, random key, same length for every ballot) in the
transaction that marks the invitation answered. Closing the round opens the ballots,
writes the responses in a shuffled order in one transaction and deletes ballots, drafts
and the round's keys (``survey_round_keys``), so that neither the order, the system
columns nor ``SECRET_KEY`` ties a response to an invitation (issue 15).

Links of an open round were derived from ``SECRET_KEY`` and stop working with this
revision, so it refuses to run while a round is open (close it first, or run it
between rounds). The database refuses a ballot in a closed round, as it refuses a
response there (surveys0002), and on PostgreSQL a new ballot takes a share lock on its
round so that a close waits for a submit under way.

Responses no longer record an agency kind (it narrowed the set during a round), so the
rounds' ``record_agency_kind`` setting goes, and the trigger that froze it is rebuilt
without it. (``survey_responses.agency_kind`` stays until the published tables stop
reading it; nothing writes it any more.)
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "surveys0004"
down_revision = "concurrency0001"
branch_labels = None
depends_on = None

FINAL = "survey round is closed: its answers are final"
OPEN_ROUND = "a survey round is open: close it before this migration runs"

POSTGRES_BALLOTS_FINAL = [
    f"""CREATE FUNCTION survey_ballots_final() RETURNS trigger AS $$
DECLARE
  round_status text;
BEGIN
  SELECT status INTO round_status FROM survey_rounds WHERE id = NEW.round_id FOR SHARE;
  IF round_status = 'closed' THEN
    RAISE EXCEPTION '{FINAL}' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_survey_ballots_final BEFORE INSERT ON survey_ballots
FOR EACH ROW EXECUTE FUNCTION survey_ballots_final()""",
]
SQLITE_BALLOTS_FINAL = f"""
CREATE TRIGGER trg_survey_ballots_final BEFORE INSERT ON survey_ballots
WHEN (SELECT status FROM survey_rounds WHERE id = NEW.round_id) = 'closed'
BEGIN SELECT RAISE(ABORT, '{FINAL}'); END"""


FROZEN_ROUND = "survey round settings cannot change once it has opened"


def _round_changed(with_kind: bool) -> str:
    kind = " OR NEW.record_agency_kind <> OLD.record_agency_kind" if with_kind else ""
    return (
        "OLD.status <> 'draft' AND (NEW.instrument_id <> OLD.instrument_id"
        f" OR NEW.min_answers <> OLD.min_answers{kind}"
        " OR NEW.year <> OLD.year OR NEW.association_id <> OLD.association_id"
        " OR NEW.status = 'draft' OR (OLD.status = 'closed' AND NEW.status <> 'closed'))"
    )


ROUND_NOT_DRAFT = "(SELECT status FROM survey_rounds WHERE id = NEW.round_id) <> 'draft'"


def _postgres_round_frozen(with_kind: bool) -> str:
    return f"""
CREATE OR REPLACE FUNCTION survey_round_frozen() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'survey_rounds' THEN
    IF {_round_changed(with_kind)} THEN
      RAISE EXCEPTION '{FROZEN_ROUND}' USING ERRCODE = 'raise_exception';
    END IF;
  ELSIF {ROUND_NOT_DRAFT} THEN
    RAISE EXCEPTION '{FROZEN_ROUND}' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql"""


def _sqlite_round_frozen(with_kind: bool) -> str:
    return f"""
        CREATE TRIGGER trg_survey_rounds_frozen BEFORE UPDATE ON survey_rounds
        WHEN {_round_changed(with_kind)}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_ROUND}'); END"""


def _refuse_while_open():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM survey_rounds WHERE status = 'open'")).scalar():
        raise RuntimeError(OPEN_ROUND)


def upgrade():
    _refuse_while_open()
    op.create_table(
        "survey_round_keys",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_rounds.id"],
            name=op.f("fk_survey_round_keys_round_id_survey_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_survey_round_keys")),
    )
    op.create_table(
        "survey_ballots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_rounds.id"],
            name=op.f("fk_survey_ballots_round_id_survey_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_ballots")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_survey_ballots_round_id"), "survey_ballots", ["round_id"])
    if op.get_bind().dialect.name == "postgresql":
        for sql in POSTGRES_BALLOTS_FINAL:
            op.execute(sql)
        op.execute(_postgres_round_frozen(with_kind=False))
        op.drop_column("survey_rounds", "record_agency_kind")
    else:
        op.execute(SQLITE_BALLOTS_FINAL)
        # Plain ALTER TABLE (a batch copy would drop the table's other triggers).
        op.execute("DROP TRIGGER trg_survey_rounds_frozen")
        op.drop_column("survey_rounds", "record_agency_kind")
        op.execute(_sqlite_round_frozen(with_kind=False))


def downgrade():
    _refuse_while_open()
    kind = sa.Column(
        "record_agency_kind", sa.Boolean(), nullable=False, server_default=sa.true()
    )
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("survey_rounds", kind)
        op.execute(_postgres_round_frozen(with_kind=True))
    else:
        op.execute("DROP TRIGGER trg_survey_rounds_frozen")
        op.add_column("survey_rounds", kind)
        op.execute(_sqlite_round_frozen(with_kind=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER trg_survey_ballots_final ON survey_ballots")
        op.execute("DROP FUNCTION survey_ballots_final()")
    else:
        op.execute("DROP TRIGGER trg_survey_ballots_final")
    op.drop_index(op.f("ix_survey_ballots_round_id"), table_name="survey_ballots")
    op.drop_table("survey_ballots")
    op.drop_table("survey_round_keys")
