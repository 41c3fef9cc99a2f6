"""notify: answers to notices, answer links, reminder settings and what has been sent

Revision ID: notify0001
Revises: documents0001
Create Date: 2026-12-07

Issue 21: an invited person answers the notice (coming / not coming, a substitute with
an address for their own notice) through a personal link whose hash is kept in
``meeting_answer_links``; ``notify run`` records every reminder in
``notifications_sent`` under a unique key so none goes twice; people switch reminders
off in ``notification_opt_outs``; each association sets how many days before a meeting
its reminder goes.
"""

from alembic import op
import sqlalchemy as sa

from portal.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "notify0001"
down_revision = "documents0001"
branch_labels = None
depends_on = None

KINDS = ("meeting_reminder", "minutes_waiting", "activity_digest", "admin_digest")


def _kind() -> sa.Enum:
    return sa.Enum(
        *KINDS, name="notification_kind", native_enum=False, create_constraint=True, length=32
    )


def upgrade():
    op.create_table(
        "notification_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_opt_outs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_opt_outs")),
    )
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["associations.id"],
            name=op.f("fk_notifications_sent_association_id_associations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_sent")),
        sa.UniqueConstraint(
            "kind",
            "recipient",
            "subject",
            "period",
            name=op.f("uq_notifications_sent_kind_recipient_subject_period"),
        ),
    )
    op.create_index(
        op.f("ix_notifications_sent_association_id"), "notifications_sent", ["association_id"]
    )
    op.create_table(
        "meeting_answer_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["meeting_invitees.id"],
            name=op.f("fk_meeting_answer_links_invitee_id_meeting_invitees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_answer_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_meeting_answer_links_token_hash")),
    )
    op.create_index(
        op.f("ix_meeting_answer_links_invitee_id"), "meeting_answer_links", ["invitee_id"]
    )
    # Plain ALTER TABLE on both databases: a batch copy on SQLite would drop tables that
    # others point at with ON DELETE CASCADE (and the template triggers, concurrency0001).
    _add_checked(
        "associations",
        "meeting_reminder_days",
        "INTEGER DEFAULT '5' NOT NULL",
        "ck_associations_meeting_reminder_days_range",
        "meeting_reminder_days BETWEEN 1 AND 60",
    )
    _add_checked(
        "meeting_invitees",
        "answer",
        "VARCHAR(32)",
        "ck_meeting_invitees_meeting_answer",
        "answer IN ('coming', 'not_coming')",
    )
    op.add_column(
        "meeting_invitees", sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("meeting_substitutes", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column(
        "meeting_substitutes",
        sa.Column("notice_sent_at", UTCDateTime(timezone=True), nullable=True),
    )


def _add_checked(table: str, column: str, ddl: str, check_name: str, check: str) -> None:
    """A column with its CHECK constraint, named as the models name it. SQLite takes the
    constraint in the column definition (and drops it with the column)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} {ddl} "
            f"CONSTRAINT {check_name} CHECK ({check})"
        )
    else:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {check_name} CHECK ({check})")


def downgrade():
    op.drop_column("meeting_substitutes", "notice_sent_at")
    op.drop_column("meeting_substitutes", "email")
    op.drop_column("meeting_invitees", "answered_at")
    op.drop_column("meeting_invitees", "answer")
    op.drop_column("associations", "meeting_reminder_days")
    op.drop_index(op.f("ix_meeting_answer_links_invitee_id"), table_name="meeting_answer_links")
    op.drop_table("meeting_answer_links")
    op.drop_index(op.f("ix_notifications_sent_association_id"), table_name="notifications_sent")
    op.drop_table("notifications_sent")
    op.drop_table("notification_opt_outs")
