"""survey: an answered invitation's draft is deleted by the database; on PostgreSQL
a response's answers are checked once per INSERT, not once per answer

Revision ID: surveys0003
Revises: surveys0002
Create Date: 2026-11-30

A submit marked the invitation answered and then deleted its draft with a statement of
its own. The database now deletes the draft as the invitation is marked answered, so
no code path can leave one behind: the draft is the respondent's own words, kept only
until they submit.

On PostgreSQL the check that a closed round's answers are final (surveys0002) ran once
for every inserted answer, each with its own look-up of the response's round. New
answers are now checked once per statement, once per response among them (a submit
inserts one response's answers); an UPDATE of a scale point is still checked row by row
(PostgreSQL gives transition tables only to triggers without a column list). SQLite's
triggers are row triggers only and stay as they are.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "surveys0003"
down_revision = "surveys0002"
branch_labels = None
depends_on = None

FINAL = "survey round is closed: its answers are final"

SQLITE_FORGET_DRAFT = """
CREATE TRIGGER trg_survey_invitations_answered AFTER UPDATE OF answered ON survey_invitations
WHEN NEW.answered AND NOT OLD.answered
BEGIN DELETE FROM survey_drafts WHERE invitation_id = NEW.id; END"""

POSTGRES_FORGET_DRAFT = [
    """CREATE FUNCTION survey_drafts_forget() RETURNS trigger AS $$
BEGIN
  DELETE FROM survey_drafts WHERE invitation_id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_survey_invitations_answered
AFTER UPDATE OF answered ON survey_invitations
FOR EACH ROW WHEN (NEW.answered AND NOT OLD.answered)
EXECUTE FUNCTION survey_drafts_forget()""",
]

POSTGRES_ANSWERS_PER_STATEMENT = [
    f"""CREATE FUNCTION survey_answers_final_all() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM (SELECT DISTINCT response_id FROM new_answers) AS a
    JOIN survey_responses AS r ON r.id = a.response_id
    JOIN survey_rounds AS s ON s.id = r.round_id
    WHERE s.status = 'closed'
  ) THEN
    RAISE EXCEPTION '{FINAL}' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER trg_survey_answers_final ON survey_answers",
    """CREATE TRIGGER trg_survey_answers_final
BEFORE UPDATE OF value, dont_know, response_id, question_id ON survey_answers
FOR EACH ROW EXECUTE FUNCTION survey_answers_final()""",
    """CREATE TRIGGER trg_survey_answers_final_ins AFTER INSERT ON survey_answers
REFERENCING NEW TABLE AS new_answers
FOR EACH STATEMENT EXECUTE FUNCTION survey_answers_final_all()""",
]

POSTGRES_ANSWERS_PER_ROW = [
    "DROP TRIGGER trg_survey_answers_final_ins ON survey_answers",
    "DROP FUNCTION survey_answers_final_all()",
    "DROP TRIGGER trg_survey_answers_final ON survey_answers",
    """CREATE TRIGGER trg_survey_answers_final
BEFORE INSERT OR UPDATE OF value, dont_know, response_id, question_id ON survey_answers
FOR EACH ROW EXECUTE FUNCTION survey_answers_final()""",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in [*POSTGRES_FORGET_DRAFT, *POSTGRES_ANSWERS_PER_STATEMENT]:
            op.execute(sql)
    else:
        op.execute(SQLITE_FORGET_DRAFT)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in POSTGRES_ANSWERS_PER_ROW:
            op.execute(sql)
        op.execute("DROP TRIGGER trg_survey_invitations_answered ON survey_invitations")
        op.execute("DROP FUNCTION survey_drafts_forget()")
    else:
        op.execute("DROP TRIGGER trg_survey_invitations_answered")
