"""The block-first engine: cases, decisions, reports, outbox, audit log, settings.

Revision ID: 0002

Tables are written out here, not taken from ``core.store.schema``: a migration
is a snapshot, and the schema module moves on. ``tests/core/store`` checks
that the migrated database equals the schema module.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES = (
    "reviewers",
    "chat_settings",
    "media_signals",
    "processed_updates",
    "audit_log",
    "outbox",
    "reports",
    "decisions",
    "cases",
)


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(
            sa.Column("category", sa.String(32), nullable=False, server_default="other")
        )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("target", sa.String(400), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text, nullable=False, server_default=""),
        sa.Column("alerts_sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("removed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reports", sa.Integer, nullable=False, server_default="0"),
        sa.Column("card_ref", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_cases_state_deadline", "cases", ["state", "deadline"])
    op.create_index("ix_cases_target_state", "cases", ["target", "state"])
    op.create_table(
        "decisions",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(16), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])
    op.create_table(
        "reports",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(16), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("reporter", sa.Text, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("authority", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reports_case_id", "reports", ["case_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_outbox_state_platform", "outbox", ["state", "platform"])
    op.create_table(
        "audit_log",
        sa.Column("seq", _Id, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("sender_id", sa.Text, nullable=False),
        sa.Column("signals", sa.Text, nullable=False),
        sa.Column("bank", sa.Text, nullable=False),
        sa.Column("distance", sa.Integer, nullable=True),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("case_id", sa.String(16), nullable=False),
        sa.Column("anchor", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])
    op.create_table(
        "processed_updates",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "media_signals",
        sa.Column("file_key", sa.String(400), primary_key=True),
        sa.Column("signals", sa.JSON, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "chat_settings",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("chat_id", sa.String(200), primary_key=True),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_table(
        "reviewers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("category")
