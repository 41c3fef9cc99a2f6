"""accounts: an OpenID Connect provider per association

Revision ID: accounts0002
Revises: accounts0001
Create Date: 2026-12-06

Staff of municipalities and agencies sign in through their own identity provider
(issue 19). One row per association: issuer, client id, the client secret encrypted
with a key derived from SECRET_KEY, the button's text, and whether password sign-in
is refused to people who belong only to associations that require it.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "accounts0002"
down_revision = "accounts0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oidc_providers",
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("client_secret", sa.String(length=1000), nullable=False),
        sa.Column("button_label", sa.String(length=100), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["associations.id"],
            name=op.f("fk_oidc_providers_association_id_associations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("association_id", name=op.f("pk_oidc_providers")),
    )


def downgrade():
    op.drop_table("oidc_providers")
