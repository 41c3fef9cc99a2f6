"""national: the national network's platform role; an association may decline being named

Revision ID: national22_0001
Revises: surveys0005
Create Date: 2026-12-07

``users.is_national_network`` marks the accounts of the national network of
coordination associations: they read the national compilation and nothing of any
association. ``associations.named_nationally`` is the association's own choice of
being shown by name in that compilation (default yes); without it, the association
counts only in the totals.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "national22_0001"
down_revision = "surveys0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a column is an ALTER TABLE on SQLite as well: no table copy, no lost triggers.
    op.add_column(
        "users",
        sa.Column("is_national_network", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "associations",
        sa.Column("named_nationally", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade() -> None:
    # Neither table carries a trigger, so the batch copy on SQLite loses none.
    with op.batch_alter_table("associations") as batch:
        batch.drop_column("named_nationally")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_national_network")
