"""Reports remember the reporter's language (for the outcome reply) and are
indexed by reporter (for the hourly limit and the reporter's record).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="ko"))
    op.create_index("ix_reports_reporter_at", "reports", ["reporter", "at"])


def downgrade() -> None:
    op.drop_index("ix_reports_reporter_at", "reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("language")
