"""Allow rules: a bank entry that vetoes block matches of the same item.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(sa.Column("allow", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_column("allow")
