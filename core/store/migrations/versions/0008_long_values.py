"""Entry values of any length (a vPDQ list is ~45 KiB): ``value`` becomes TEXT and
uniqueness moves to ``value_key``, the value itself up to 128 characters or
``sha256:`` and its digest beyond (PostgreSQL cannot index a row that large;
SQLite never enforced the old length).

Revision ID: 0008
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_KEY_MAX = 128


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(sa.Column("value_key", sa.String(_KEY_MAX), nullable=True))
    conn = op.get_bind()
    entries = sa.table("bank_entries", sa.column("id"), sa.column("value"), sa.column("value_key"))
    conn.execute(
        sa.update(entries)
        .where(sa.func.length(entries.c.value) <= _KEY_MAX)
        .values(value_key=entries.c.value)
    )
    long_rows = conn.execute(
        sa.select(entries.c.id, entries.c.value).where(entries.c.value_key.is_(None))
    ).all()
    for entry_id, value in long_rows:
        key = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
        conn.execute(sa.update(entries).where(entries.c.id == entry_id).values(value_key=key))
    with op.batch_alter_table("bank_entries") as batch:
        batch.alter_column("value_key", existing_type=sa.String(_KEY_MAX), nullable=False)
        batch.alter_column("value", existing_type=sa.String(128), type_=sa.Text)
        batch.drop_constraint("uq_bank_entries_signal", type_="unique")
        batch.create_unique_constraint(
            "uq_bank_entries_signal", ["bank_id", "signal_type", "value_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_constraint("uq_bank_entries_signal", type_="unique")
        batch.create_unique_constraint(
            "uq_bank_entries_signal", ["bank_id", "signal_type", "value"]
        )
        batch.drop_column("value_key")
