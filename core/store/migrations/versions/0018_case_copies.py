"""One case per item: the copies of a case's item posted while it is open, and the
keys (exact hashes, file keys, PDQ) a later copy is found by.

Revision ID: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch would copy and drop ``cases`` on SQLite, and the
    # drop would delete its reports and decisions (cascade).
    op.add_column("cases", sa.Column("copies", sa.Integer, nullable=False, server_default="1"))
    op.add_column("cases", sa.Column("copy_chats", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "case_copies",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(16), nullable=False),
        sa.Column("chat", sa.String(200), nullable=False),  # platform:chat id
        sa.Column("message", sa.JSON, nullable=False),  # ids, text, media refs: no bytes
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_copies_case", "case_copies", ["case_id"])
    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.create_index("ix_case_keys_value", "case_keys", ["kind", "value"])
    op.create_index("ix_case_keys_case", "case_keys", ["case_id"])


def downgrade() -> None:
    op.drop_table("case_keys")
    op.drop_table("case_copies")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("copy_chats")
        batch.drop_column("copies")
