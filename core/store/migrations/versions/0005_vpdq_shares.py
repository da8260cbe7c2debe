"""Per-bank vPDQ match shares (HMA's rule: 80 % of the query's frames, 0 % of the
banked video's, by default).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(
            sa.Column("vpdq_query_percent", sa.Float, nullable=False, server_default="80")
        )
        batch.add_column(
            sa.Column("vpdq_compared_percent", sa.Float, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("vpdq_compared_percent")
        batch.drop_column("vpdq_query_percent")
