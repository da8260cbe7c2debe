"""The audit log's head checkpoint, and signals stored losslessly.

``audit_head`` holds the chain's last entry (number and hash), written in the
same transaction as every append, so truncation is found. Audit signals were
stored space-joined, and a vPDQ value (a JSON list with spaces) came back in
pieces, so its entry failed verification; they are now a JSON list, and old
rows are rejoined (a piece that does not start ``type:`` belongs to the one
before it).

Revision ID: 0011
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SIGNAL = re.compile(r"[a-z][a-z0-9_]*:")


def _rejoin(text: str) -> list[str]:
    signals: list[str] = []
    for piece in text.split(" "):
        if signals and not _SIGNAL.match(piece):
            signals[-1] += " " + piece
        elif piece:
            signals.append(piece)
    return signals


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    conn = op.get_bind()
    log = sa.table("audit_log", sa.column("seq"), sa.column("signals"), sa.column("hash"))
    head = conn.execute(
        sa.select(log.c.seq, log.c.hash).order_by(log.c.seq.desc()).limit(1)
    ).first()
    if head is not None:
        conn.execute(
            sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash")).insert(),
            [{"id": 1, "seq": head.seq, "hash": head.hash}],
        )
    rows = conn.execute(sa.select(log.c.seq, log.c.signals).where(log.c.signals != "")).all()
    for seq, text in rows:
        if not text.startswith("["):
            value = json.dumps(_rejoin(text), ensure_ascii=False)
            conn.execute(sa.update(log).where(log.c.seq == seq).values(signals=value))


def downgrade() -> None:
    op.drop_table("audit_head")
