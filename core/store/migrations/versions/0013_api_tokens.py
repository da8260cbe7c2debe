"""API tokens for platforms that call blockfirst over HTTP: kept only as hashes,
scoped, revocable (``blockfirst tokens``); and their use a minute, counted here so
a rate limit holds across processes.

Revision ID: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("name", sa.String(48), primary_key=True),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "api_usage",
        sa.Column("token", sa.String(48), primary_key=True),
        sa.Column("minute", sa.BigInteger, primary_key=True),  # Unix time // 60
        sa.Column("uses", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_usage")
    op.drop_table("api_tokens")
