"""survey: yearly rollup of each closed round's answers per scale question

Revision ID: surveys0002
Revises: api0001
Create Date: 2026-11-30

``survey_round_totals`` holds, per closed round and scale question, the number of
answers, answers on the scale and clearly positive answers. The board's trends and
the installation-wide figure read it instead of every answer of every year. It is
written when a round closes; this migration fills it for the rounds already closed.
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


def downgrade():
    op.drop_table("survey_round_totals")
