"""A bank can be in shadow: it matches and records what it would have done, and
never acts.

Revision ID: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies and drops the table,
    # and dropping ``banks`` with foreign keys on deletes every entry (cascade).
    op.add_column(
        "banks", sa.Column("shadow", sa.Boolean, nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("shadow")
