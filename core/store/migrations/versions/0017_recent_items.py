"""The recent-content log (hashes, canonical links and ids only: never media, never
message text) that newly listed entries are matched against, and the position up
to which bank changes were reached back with.

Revision ID: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recent_items",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("chat_kind", sa.String(16), nullable=False),
        sa.Column("community", sa.String(64), nullable=False, server_default=""),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("sender_kind", sa.String(16), nullable=False),
        sa.Column("album_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),  # [{signal type: [values]}], per item
    )
    op.create_index("ix_recent_items_seen_at", "recent_items", ["seen_at"])
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("position", _Id, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cursors")
    op.drop_index("ix_recent_items_seen_at", "recent_items")
    op.drop_table("recent_items")
