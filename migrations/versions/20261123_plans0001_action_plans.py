"""action plans: goal areas, versioned plan templates, plans and their items

Revision ID: plans0001
Revises: meetings0001
Create Date: 2026-11-23 01:28:40.616218

"""
from alembic import op
import sqlalchemy as sa

# A published template version never changes: the database refuses updates to it and
# inserts or updates of its sections and fields. Deleting stays possible so that an
# association (and everything it owns) can still be removed as a whole.
SQLITE_TRIGGERS = {
    "trg_template_versions_frozen": """
        CREATE TRIGGER trg_template_versions_frozen BEFORE UPDATE ON template_versions
        WHEN OLD.status = 'published'
        BEGIN SELECT RAISE(ABORT, 'published template version is immutable'); END""",
    "trg_template_sections_frozen_ins": """
        CREATE TRIGGER trg_template_sections_frozen_ins BEFORE INSERT ON template_sections
        WHEN (SELECT status FROM template_versions WHERE id = NEW.version_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published template version is immutable'); END""",
    "trg_template_sections_frozen_upd": """
        CREATE TRIGGER trg_template_sections_frozen_upd BEFORE UPDATE ON template_sections
        WHEN (SELECT status FROM template_versions WHERE id = OLD.version_id) = 'published'
          OR (SELECT status FROM template_versions WHERE id = NEW.version_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published template version is immutable'); END""",
    "trg_template_fields_frozen_ins": """
        CREATE TRIGGER trg_template_fields_frozen_ins BEFORE INSERT ON template_fields
        WHEN (SELECT v.status FROM template_versions v JOIN template_sections s
              ON s.version_id = v.id WHERE s.id = NEW.section_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published template version is immutable'); END""",
    "trg_template_fields_frozen_upd": """
        CREATE TRIGGER trg_template_fields_frozen_upd BEFORE UPDATE ON template_fields
        WHEN (SELECT v.status FROM template_versions v JOIN template_sections s
              ON s.version_id = v.id WHERE s.id = OLD.section_id) = 'published'
          OR (SELECT v.status FROM template_versions v JOIN template_sections s
              ON s.version_id = v.id WHERE s.id = NEW.section_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published template version is immutable'); END""",
}

POSTGRES_FUNCTION = """
CREATE FUNCTION template_version_frozen() RETURNS trigger AS $$
DECLARE
  frozen boolean;
BEGIN
  IF TG_TABLE_NAME = 'template_versions' THEN
    frozen := OLD.status = 'published';
  ELSIF TG_TABLE_NAME = 'template_sections' THEN
    SELECT bool_or(status = 'published') INTO frozen FROM template_versions
     WHERE id = NEW.version_id OR (TG_OP = 'UPDATE' AND id = OLD.version_id);
  ELSE
    SELECT bool_or(v.status = 'published') INTO frozen
      FROM template_versions v JOIN template_sections s ON s.version_id = v.id
     WHERE s.id = NEW.section_id OR (TG_OP = 'UPDATE' AND s.id = OLD.section_id);
  END IF;
  IF frozen THEN
    RAISE EXCEPTION 'published template version is immutable' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql"""
POSTGRES_TRIGGERS = {
    "trg_template_versions_frozen": "BEFORE UPDATE ON template_versions",
    "trg_template_sections_frozen": "BEFORE INSERT OR UPDATE ON template_sections",
    "trg_template_fields_frozen": "BEFORE INSERT OR UPDATE ON template_fields",
}


def _create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH ROW "
                "EXECUTE FUNCTION template_version_frozen()"
            )
    else:
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for name, when in POSTGRES_TRIGGERS.items():
            table = when.rsplit(" ", 1)[-1]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS template_version_frozen()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


# revision identifiers, used by Alembic.
revision = 'plans0001'
down_revision = 'meetings0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('goal_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_goal_areas_year_range')),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_goal_areas_association_id_associations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_areas')),
    sa.UniqueConstraint('association_id', 'year', 'title', name=op.f('uq_goal_areas_association_id_year_title'))
    )
    with op.batch_alter_table('goal_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_areas_association_id'), ['association_id'], unique=False)

    op.create_table('template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='version_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name=op.f('ck_template_versions_published_has_time')),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_template_versions_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_template_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_versions')),
    sa.UniqueConstraint('association_id', 'number', name=op.f('uq_template_versions_association_id_number'))
    )
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_versions_association_id'), ['association_id'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'adopted', 'revised', name='plan_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('adopted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('adopted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_plans_year_range')),
    sa.ForeignKeyConstraint(['adopted_by_id'], ['users.id'], name=op.f('fk_plans_adopted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_plans_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_plans_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_version_id'], ['template_versions.id'], name=op.f('fk_plans_template_version_id_template_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('group_id', 'year', name=op.f('uq_plans_group_id_year'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_template_version_id'), ['template_version_id'], unique=False)

    op.create_table('template_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['template_versions.id'], name=op.f('fk_template_sections_version_id_template_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_sections')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_template_sections_version_id_key'))
    )
    with op.batch_alter_table('template_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_sections_version_id'), ['version_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('decision_maker', sa.String(length=300), nullable=False),
    sa.Column('dependencies', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'ongoing', 'done', 'cancelled', name='activity_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('carried_from_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_activities_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['carried_from_id'], ['activities.id'], name=op.f('fk_activities_carried_from_id_activities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_activities_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_activities_responsible_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_responsible_id'), ['responsible_id'], unique=False)

    op.create_table('development_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_development_areas_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_development_areas'))
    )
    with op.batch_alter_table('development_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_development_areas_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('after_adoption', sa.Boolean(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_plan_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_changes_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_changes'))
    )
    with op.batch_alter_table('plan_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_changes_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('field_key', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_texts_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_texts')),
    sa.UniqueConstraint('plan_id', 'field_key', name=op.f('uq_plan_texts_plan_id_field_key'))
    )
    op.create_table('result_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('goal_area_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('indicator', sa.String(length=300), nullable=False),
    sa.Column('numeric', sa.Boolean(), nullable=False),
    sa.Column('baseline', sa.String(length=300), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['goal_area_id'], ['goal_areas.id'], name=op.f('fk_result_goals_goal_area_id_goal_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_result_goals_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_goals'))
    )
    with op.batch_alter_table('result_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_goals_goal_area_id'), ['goal_area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_goals_plan_id'), ['plan_id'], unique=False)

    op.create_table('template_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('text', 'result_goals', 'activities', name='field_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['template_sections.id'], name=op.f('fk_template_fields_section_id_template_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_fields')),
    sa.UniqueConstraint('section_id', 'key', name=op.f('uq_template_fields_section_id_key'))
    )
    with op.batch_alter_table('template_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_fields_section_id'), ['section_id'], unique=False)

    _create_triggers()


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('template_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_fields_section_id'))

    op.drop_table('template_fields')
    with op.batch_alter_table('result_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_goals_plan_id'))
        batch_op.drop_index(batch_op.f('ix_result_goals_goal_area_id'))

    op.drop_table('result_goals')
    op.drop_table('plan_texts')
    with op.batch_alter_table('plan_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_changes_plan_id'))

    op.drop_table('plan_changes')
    with op.batch_alter_table('development_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_development_areas_plan_id'))

    op.drop_table('development_areas')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_activities_plan_id'))

    op.drop_table('activities')
    with op.batch_alter_table('template_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_sections_version_id'))

    op.drop_table('template_sections')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_template_version_id'))
        batch_op.drop_index(batch_op.f('ix_plans_association_id'))

    op.drop_table('plans')
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_versions_association_id'))

    op.drop_table('template_versions')
    with op.batch_alter_table('goal_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_areas_association_id'))

    op.drop_table('goal_areas')
