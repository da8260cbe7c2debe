"""The block-first engine: cases, decisions, reports, outbox, audit log, settings.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

from core.store import schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NEW = (
    schema.cases,
    schema.decisions,
    schema.reports,
    schema.outbox,
    schema.audit_log,
    schema.processed_updates,
    schema.media_signals,
    schema.chat_settings,
    schema.reviewers,
)


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(
            sa.Column("category", sa.String(32), nullable=False, server_default="other")
        )
    bind = op.get_bind()
    for table in _NEW:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_NEW):
        table.drop(bind)
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("category")
