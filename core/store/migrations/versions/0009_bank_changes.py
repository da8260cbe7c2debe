"""Several processes on one store: a log of bank changes that every process
follows to update its in-memory index without a rebuild.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_changes",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first_entry", _Id, nullable=True),
        sa.Column("last_entry", _Id, nullable=True),
        sa.Column("entry_ids", sa.JSON, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bank_changes")
