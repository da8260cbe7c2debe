"""Banks and their entries (with tombstones).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("thresholds", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("bank_id", _Id, sa.ForeignKey("banks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("quality", sa.SmallInteger, nullable=True),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("external_id", sa.Text, nullable=False, server_default=""),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("tags", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_by", sa.Text, nullable=True),
        sa.UniqueConstraint("bank_id", "signal_type", "value", name="uq_bank_entries_signal"),
    )
    op.create_index("ix_bank_entries_bank_status", "bank_entries", ["bank_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_bank_entries_bank_status", "bank_entries")
    op.drop_table("bank_entries")
    op.drop_table("banks")
