"""survey: yearly rollup of each closed round's answers per scale question

Revision ID: surveys0002
Revises: api0001
Create Date: 2026-11-30

``survey_round_totals`` holds, per closed round and scale question, the number of
answers, answers on the scale and clearly positive answers. The board's trends and
the installation-wide figure read it instead of every answer of every year. It is
written when a round closes; this migration fills it for the rounds already closed.

So that it can never go stale, the database refuses new responses and answers, and
changed scale points, in a closed round (a closed round never reopens: surveys0001).
The review decision on a free-text answer may still change: it is not counted here.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "surveys0002"
down_revision = "api0001"
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO survey_round_totals (round_id, question_id, answers, base, positive)
SELECT r.round_id, a.question_id, count(*), count(a.value),
       coalesce(sum(CASE WHEN a.value >= q.positive_from THEN 1 ELSE 0 END), 0)
FROM survey_answers AS a
JOIN survey_responses AS r ON r.id = a.response_id
JOIN survey_questions AS q ON q.id = a.question_id
JOIN survey_rounds AS sr ON sr.id = r.round_id
WHERE sr.status = 'closed' AND q.kind = 'scale'
GROUP BY r.round_id, a.question_id
"""


FINAL = "survey round is closed: its answers are final"
RESPONSE_CLOSED = "(SELECT status FROM survey_rounds WHERE id = NEW.round_id) = 'closed'"
ANSWER_CLOSED = (
    "(SELECT s.status FROM survey_responses AS r JOIN survey_rounds AS s ON s.id = r.round_id"
    " WHERE r.id = NEW.response_id) = 'closed'"
)
SQLITE_TRIGGERS = {
    "trg_survey_responses_final": f"""
        CREATE TRIGGER trg_survey_responses_final BEFORE INSERT ON survey_responses
        WHEN {RESPONSE_CLOSED}
        BEGIN SELECT RAISE(ABORT, '{FINAL}'); END""",
    "trg_survey_answers_final_ins": f"""
        CREATE TRIGGER trg_survey_answers_final_ins BEFORE INSERT ON survey_answers
        WHEN {ANSWER_CLOSED}
        BEGIN SELECT RAISE(ABORT, '{FINAL}'); END""",
    "trg_survey_answers_final_upd": f"""
        CREATE TRIGGER trg_survey_answers_final_upd
        BEFORE UPDATE OF value, dont_know, response_id, question_id ON survey_answers
        WHEN {ANSWER_CLOSED}
        BEGIN SELECT RAISE(ABORT, '{FINAL}'); END""",
}
# A new response takes a share lock on its round's row, whatever the status: a submit
# under way holds back a concurrent close until it commits (so the rollup counts it),
# and a submit that comes after a close waits for it and then sees the round closed.
POSTGRES_FUNCTION = f"""
CREATE FUNCTION survey_answers_final() RETURNS trigger AS $$
DECLARE
  round_status text;
BEGIN
  IF TG_TABLE_NAME = 'survey_responses' THEN
    SELECT status INTO round_status FROM survey_rounds WHERE id = NEW.round_id FOR SHARE;
    IF round_status = 'closed' THEN
      RAISE EXCEPTION '{FINAL}' USING ERRCODE = 'raise_exception';
    END IF;
  ELSIF {ANSWER_CLOSED} THEN
    RAISE EXCEPTION '{FINAL}' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql"""
POSTGRES_TRIGGERS = {
    "trg_survey_responses_final": ("BEFORE INSERT", "survey_responses"),
    "trg_survey_answers_final": (
        "BEFORE INSERT OR UPDATE OF value, dont_know, response_id, question_id",
        "survey_answers",
    ),
}


def upgrade():
    op.create_table(
        "survey_round_totals",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("base", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_rounds.id"],
            name=op.f("fk_survey_round_totals_round_id_survey_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_round_totals_question_id_survey_questions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("round_id", "question_id", name=op.f("pk_survey_round_totals")),
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for name, (when, table) in POSTGRES_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION survey_answers_final()"
            )
    else:
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, (_when, table) in POSTGRES_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS survey_answers_final()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("survey_round_totals")
