"""survey: instrument versions, rounds, invitations, encrypted drafts, anonymous responses

Revision ID: surveys0001
Revises: plans0001 (on integration: whichever migration is the head before this one)
Create Date: 2026-11-23

Responses and answers have random UUID keys and, on SQLite, no rowid, so nothing in
the database numbers them in the order they arrived. Triggers (SQLite and PostgreSQL)
keep an instrument version unchanged once a round using it has opened, and a round's
instrument, k, agency-kind setting and groups unchanged once it has opened.
"""
from alembic import op
import sqlalchemy as sa

FROZEN_VERSION = "survey instrument version is used by an opened round and cannot change"
FROZEN_ROUND = "survey round settings cannot change once it has opened"

USED = "EXISTS (SELECT 1 FROM survey_rounds r WHERE r.instrument_id = {id} AND r.status <> 'draft')"
ROUND_CHANGED = (
    "OLD.status <> 'draft' AND (NEW.instrument_id <> OLD.instrument_id"
    " OR NEW.min_answers <> OLD.min_answers OR NEW.record_agency_kind <> OLD.record_agency_kind"
    " OR NEW.year <> OLD.year OR NEW.association_id <> OLD.association_id"
    " OR NEW.status = 'draft' OR (OLD.status = 'closed' AND NEW.status <> 'closed'))"
)
ROUND_NOT_DRAFT = "(SELECT status FROM survey_rounds WHERE id = NEW.round_id) <> 'draft'"

SQLITE_TRIGGERS = {
    "trg_survey_instruments_frozen": f"""
        CREATE TRIGGER trg_survey_instruments_frozen BEFORE UPDATE ON survey_instruments
        WHEN {USED.format(id="OLD.id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_VERSION}'); END""",
    "trg_survey_questions_frozen_ins": f"""
        CREATE TRIGGER trg_survey_questions_frozen_ins BEFORE INSERT ON survey_questions
        WHEN {USED.format(id="NEW.instrument_id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_VERSION}'); END""",
    "trg_survey_questions_frozen_upd": f"""
        CREATE TRIGGER trg_survey_questions_frozen_upd BEFORE UPDATE ON survey_questions
        WHEN {USED.format(id="OLD.instrument_id")} OR {USED.format(id="NEW.instrument_id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_VERSION}'); END""",
    "trg_survey_questions_frozen_del": f"""
        CREATE TRIGGER trg_survey_questions_frozen_del BEFORE DELETE ON survey_questions
        WHEN {USED.format(id="OLD.instrument_id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_VERSION}'); END""",
    "trg_survey_rounds_frozen": f"""
        CREATE TRIGGER trg_survey_rounds_frozen BEFORE UPDATE ON survey_rounds
        WHEN {ROUND_CHANGED}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_ROUND}'); END""",
    "trg_survey_round_groups_frozen": f"""
        CREATE TRIGGER trg_survey_round_groups_frozen BEFORE INSERT ON survey_round_groups
        WHEN {ROUND_NOT_DRAFT}
        BEGIN SELECT RAISE(ABORT, '{FROZEN_ROUND}'); END""",
}

POSTGRES_FUNCTIONS = {
    "survey_instrument_frozen": f"""
CREATE FUNCTION survey_instrument_frozen() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'survey_instruments' THEN
    IF {USED.format(id="OLD.id")} THEN
      RAISE EXCEPTION '{FROZEN_VERSION}' USING ERRCODE = 'raise_exception';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF {USED.format(id="OLD.instrument_id")} THEN
      RAISE EXCEPTION '{FROZEN_VERSION}' USING ERRCODE = 'raise_exception';
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF {USED.format(id="NEW.instrument_id")} THEN
      RAISE EXCEPTION '{FROZEN_VERSION}' USING ERRCODE = 'raise_exception';
    END IF;
    RETURN NEW;
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql""",
    "survey_round_frozen": f"""
CREATE FUNCTION survey_round_frozen() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'survey_rounds' THEN
    IF {ROUND_CHANGED} THEN
      RAISE EXCEPTION '{FROZEN_ROUND}' USING ERRCODE = 'raise_exception';
    END IF;
  ELSIF {ROUND_NOT_DRAFT} THEN
    RAISE EXCEPTION '{FROZEN_ROUND}' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
}
POSTGRES_TRIGGERS = {
    "trg_survey_instruments_frozen": ("BEFORE UPDATE", "survey_instruments", "survey_instrument_frozen"),
    "trg_survey_questions_frozen": ("BEFORE INSERT OR UPDATE OR DELETE", "survey_questions", "survey_instrument_frozen"),
    "trg_survey_rounds_frozen": ("BEFORE UPDATE", "survey_rounds", "survey_round_frozen"),
    "trg_survey_round_groups_frozen": ("BEFORE INSERT", "survey_round_groups", "survey_round_frozen"),
}


def _create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for sql in POSTGRES_FUNCTIONS.values():
            op.execute(sql)
        for name, (when, table, function) in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")
    else:
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for name, (_when, table, _function) in POSTGRES_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in POSTGRES_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


# revision identifiers, used by Alembic.
revision = 'surveys0001'
# The brief asked for '5132666496bb'; meetings0001 and plans0001 already follow it in
# this tree, and a second head would stop `flask db upgrade`. Re-point on integration.
down_revision = 'plans0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_instruments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('notice', sa.Text(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_instruments')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_survey_instruments_code_version'))
    )
    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('indicator_code', sa.String(length=32), nullable=False),
    sa.Column('indicator_title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('scale', 'text', name='survey_question_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('low_label', sa.String(length=100), nullable=True),
    sa.Column('high_label', sa.String(length=100), nullable=True),
    sa.Column('dont_know_label', sa.String(length=100), nullable=True),
    sa.Column('positive_from', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind <> 'scale' OR (points BETWEEN 2 AND 11 AND low_label IS NOT NULL AND high_label IS NOT NULL AND positive_from BETWEEN 1 AND points)", name=op.f('ck_survey_questions_scale_complete')),
    sa.ForeignKeyConstraint(['instrument_id'], ['survey_instruments.id'], name=op.f('fk_survey_questions_instrument_id_survey_instruments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
    sa.UniqueConstraint('instrument_id', 'code', name=op.f('uq_survey_questions_instrument_id_code'))
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('survey_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('min_answers', sa.Integer(), nullable=False),
    sa.Column('record_agency_kind', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='survey_round_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_survey_rounds_dates_in_order')),
    sa.CheckConstraint('min_answers >= 1', name=op.f('ck_survey_rounds_min_answers_positive')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_survey_rounds_year_range')),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_survey_rounds_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instrument_id'], ['survey_instruments.id'], name=op.f('fk_survey_rounds_instrument_id_survey_instruments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_rounds')),
    sa.UniqueConstraint('association_id', 'year', name=op.f('uq_survey_rounds_association_id_year'))
    )
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_rounds_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_rounds_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('agency_kind', sa.Enum('state', 'region', 'municipality', name='agency_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_survey_responses_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_responses_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_round_id'), ['round_id'], unique=False)

    op.create_table('survey_round_groups',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_survey_round_groups_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_round_groups_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'group_id', name=op.f('pk_survey_round_groups'))
    )
    op.create_table('survey_answers',
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('dont_know', sa.Boolean(), nullable=False),
    sa.Column('text', sa.String(length=4000), nullable=True),
    sa.Column('review', sa.Enum('pending', 'shown', 'withheld', name='survey_text_review', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.CheckConstraint('(value IS NOT NULL AND NOT dont_know AND text IS NULL) OR (value IS NULL AND dont_know AND text IS NULL) OR (value IS NULL AND NOT dont_know AND text IS NOT NULL AND review IS NOT NULL)', name=op.f('ck_survey_answers_one_kind_of_answer')),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'question_id', name=op.f('pk_survey_answers')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_question_id'), ['question_id'], unique=False)

    op.create_table('survey_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('agency_kind', sa.Enum('state', 'region', 'municipality', name='agency_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_salt', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_survey_invitations_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_survey_invitations_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_invitations_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitations')),
    sa.UniqueConstraint('round_id', 'membership_id', name=op.f('uq_survey_invitations_round_id_membership_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_survey_invitations_token_hash'))
    )
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_invitations_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitations_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitations_round_id'), ['round_id'], unique=False)

    op.create_table('survey_drafts',
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.LargeBinary(length=12), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['survey_invitations.id'], name=op.f('fk_survey_drafts_invitation_id_survey_invitations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invitation_id', name=op.f('pk_survey_drafts'))
    )
    _create_triggers()


def downgrade():
    _drop_triggers()
    op.drop_table('survey_drafts')
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_invitations_round_id'))
        batch_op.drop_index(batch_op.f('ix_survey_invitations_membership_id'))
        batch_op.drop_index(batch_op.f('ix_survey_invitations_group_id'))

    op.drop_table('survey_invitations')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_question_id'))

    op.drop_table('survey_answers')
    op.drop_table('survey_round_groups')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_round_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_group_id'))

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_rounds_instrument_id'))
        batch_op.drop_index(batch_op.f('ix_survey_rounds_association_id'))

    op.drop_table('survey_rounds')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_instrument_id'))

    op.drop_table('survey_questions')
    op.drop_table('survey_instruments')
