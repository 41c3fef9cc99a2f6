"""documents: files attached to meetings, minutes and plans

Revision ID: documents0001
Revises: accounts0002
Create Date: 2026-12-06

Issue 21: agendas, presentations and other files kept with their meeting, its minutes
or a plan. One row per file in ``documents`` (removed with its meeting or plan), its
bytes in ``document_contents`` unless the installation keeps them in a directory.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "documents0001"
down_revision = "accounts0002"
branch_labels = None
depends_on = None

SECTIONS = ("meeting", "minutes", "plan")
STORAGES = ("database", "directory")


def upgrade():
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column(
            "section",
            sa.Enum(
                *SECTIONS,
                name="document_section",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "storage",
            sa.Enum(
                *STORAGES,
                name="document_storage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(meeting_id IS NULL) <> (plan_id IS NULL)", name=op.f("ck_documents_one_owner")
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_documents_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["associations.id"],
            name=op.f("fk_documents_association_id_associations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_documents_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_documents_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_documents_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents") as batch:
        batch.create_index(batch.f("ix_documents_association_id"), ["association_id"])
        batch.create_index(batch.f("ix_documents_meeting_id"), ["meeting_id"])
        batch.create_index(batch.f("ix_documents_plan_id"), ["plan_id"])
    op.create_table(
        "document_contents",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_contents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_contents")),
    )


def downgrade():
    op.drop_table("document_contents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index(batch.f("ix_documents_plan_id"))
        batch.drop_index(batch.f("ix_documents_meeting_id"))
        batch.drop_index(batch.f("ix_documents_association_id"))
    op.drop_table("documents")
