"""privacy: survey invitations can be unlinked from their person after the round

Revision ID: privacy0002
Revises: privacy0001
Create Date: 2026-12-06

The retention rule ``survey_invitations`` empties ``membership_id`` of a round's
invitations once the round has been closed for its days, keeping group, kind and
whether it was answered for the response rates (issue 20).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "privacy0002"
down_revision = "privacy0001"
branch_labels = None
depends_on = None


def _set_nullable(nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("survey_invitations", "membership_id", nullable=nullable)
        return
    # SQLite copies the table to change a column, and the copy has none of the table's
    # triggers (the one that forgets a draft when its invitation is answered,
    # surveys0003): keep them and make them again on the copy.
    triggers = bind.execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
            " AND tbl_name = 'survey_invitations'"
        )
    ).scalars().all()
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.alter_column(
            "membership_id", existing_type=sa.Integer(), nullable=nullable
        )
    for sql in triggers:
        op.execute(sql)


def upgrade():
    _set_nullable(True)


def downgrade():
    unlinked = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM survey_invitations WHERE membership_id IS NULL")
    )
    if unlinked:
        # Their person is gone by design; deleting them would change response rates.
        raise RuntimeError(
            f"{unlinked} survey invitations were unlinked by the retention rule; "
            "they cannot be given a person again"
        )
    _set_nullable(False)
