"""national: the national network's platform role; an association may decline being named

Revision ID: national22_0001
Revises: rounds220001
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
down_revision = "rounds220001"
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
    op.add_column("national_references", sa.Column("associations", sa.Integer(), nullable=True))
    # api_tokens carries no trigger: the batch table copy on SQLite loses none.
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("national", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.alter_column("association_id", existing_type=sa.Integer(), nullable=True)
        batch.create_check_constraint(
            "one_scope",
            "(national AND association_id IS NULL)"
            " OR (NOT national AND association_id IS NOT NULL)",
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM api_tokens WHERE national"))
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_one_scope"), type_="check")
        batch.alter_column("association_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("national")
    # A plain DROP COLUMN (SQLite 3.35+ has it): a batch table copy of associations
    # would lose the names of its check constraints, which older downgrades drop by name.
    op.execute(sa.text("ALTER TABLE associations DROP COLUMN named_nationally"))
    op.execute(sa.text("ALTER TABLE users DROP COLUMN is_national_network"))
    op.execute(sa.text("ALTER TABLE national_references DROP COLUMN associations"))
