"""The dashboard: local accounts, and the banks a case matched as a column so the
queue can filter by bank (backfilled from each case's matches).

Revision ID: 0006
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("banks", sa.Text, nullable=False, server_default=""))
    conn = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("data"), sa.column("banks"))
    rows = conn.execute(sa.select(cases.c.id, cases.c.data)).all()
    for case_id, data in rows:
        matches = (json.loads(data) if isinstance(data, str) else data or {}).get("matches", [])
        names = sorted({m["bank"] for m in matches})
        if names:
            banks = f",{','.join(names)},"
            conn.execute(sa.update(cases).where(cases.c.id == case_id).values(banks=banks))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("banks")
    op.drop_table("users")
