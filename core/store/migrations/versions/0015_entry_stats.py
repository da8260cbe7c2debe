"""Per-entry hit counts (in total and per day), review outcomes and quarantine; a
bank's flood limits (existing banks get the defaults).

Revision ID: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_DEFAULT_FLOOD = '{"hits": 300, "chats": 20, "minutes": 60}'


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(sa.Column("flood", sa.JSON, nullable=True))
    # Lists from elsewhere get the default limits; the banks of confirmed cases
    # (the deployment's own judgments, named confirmed-CATEGORY) none.
    op.execute(sa.text(f"UPDATE banks SET flood = '{_DEFAULT_FLOOD}'"))
    op.execute(sa.text("UPDATE banks SET flood = NULL WHERE name LIKE 'confirmed-%'"))
    entry = sa.ForeignKey("bank_entries.id", ondelete="CASCADE")
    op.create_table(
        "entry_stats",
        sa.Column("entry_id", _Id, entry, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
        sa.Column("confirms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("overturns", sa.Integer, nullable=False, server_default="0"),
        sa.Column("overturn_streak", sa.Integer, nullable=False, server_default="0"),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_hit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quarantine_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("trusted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "entry_days",
        sa.Column(
            "entry_id", _Id, sa.ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("entry_days")
    op.drop_table("entry_stats")
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("flood")
