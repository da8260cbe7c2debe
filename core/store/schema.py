"""Table definitions (SQLAlchemy Core), shared by the store and its migrations."""

import sqlalchemy as sa

__all__ = [
    "api_tokens",
    "api_usage",
    "audit_log",
    "bank_changes",
    "bank_entries",
    "banks",
    "cases",
    "chat_settings",
    "decisions",
    "entry_days",
    "entry_stats",
    "media_signals",
    "metadata",
    "outbox",
    "processed_updates",
    "reports",
    "reviewers",
    "users",
]

metadata = sa.MetaData()

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

banks = sa.Table(
    "banks",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("thresholds", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("category", sa.String(32), nullable=False, server_default="other"),
    sa.Column("vpdq_query_percent", sa.Float, nullable=False, server_default="80"),
    sa.Column("vpdq_compared_percent", sa.Float, nullable=False, server_default="0"),
    sa.Column("flood", sa.JSON, nullable=True),  # {"hits", "chats", "minutes"}; null: off
    sa.Column("shadow", sa.Boolean, nullable=False, server_default=sa.false()),
)

bank_entries = sa.Table(
    "bank_entries",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("bank_id", _Id, sa.ForeignKey("banks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("signal_type", sa.String(32), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("value_key", sa.String(128), nullable=False),  # value, or sha256: of a long one
    sa.Column("quality", sa.SmallInteger, nullable=True),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("external_id", sa.Text, nullable=False, server_default=""),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("added_by", sa.Text, nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("tags", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status_by", sa.Text, nullable=True),
    sa.Column("allow", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("bank_id", "signal_type", "value_key", name="uq_bank_entries_signal"),
    sa.Index("ix_bank_entries_bank_status", "bank_id", "status"),
)

# What each entry has done: its matches, the review outcomes of its removals, and
# whether it is quarantined (its matches go to review) or trusted again.
entry_stats = sa.Table(
    "entry_stats",
    metadata,
    sa.Column(
        "entry_id", _Id, sa.ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
    sa.Column("confirms", sa.Integer, nullable=False, server_default="0"),
    sa.Column("overturns", sa.Integer, nullable=False, server_default="0"),
    # overturned removals since the last confirmation
    sa.Column("overturn_streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),  # the last outcome
    sa.Column("last_hit_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("quarantine_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("trusted_at", sa.DateTime(timezone=True), nullable=True),
)

# Matches per entry per day (UTC): counters, not a row per match.
entry_days = sa.Table(
    "entry_days",
    metadata,
    sa.Column(
        "entry_id", _Id, sa.ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("target", sa.String(400), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.Text, nullable=False, server_default=""),
    sa.Column("alerts_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("removed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reports", sa.Integer, nullable=False, server_default="0"),
    sa.Column("card_ref", sa.Text, nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("data", sa.JSON, nullable=False),  # message (no media bytes), signals, matches
    sa.Column("banks", sa.Text, nullable=False, server_default=""),  # ",a,b," matched banks
    sa.Column("copies", sa.Integer, nullable=False, server_default="1"),  # posts it covers
    sa.Column("copy_chats", sa.Integer, nullable=False, server_default="1"),  # in how many chats
    sa.Index("ix_cases_target_state", "target", "state"),
    sa.Index("ix_cases_state_deadline", "state", "deadline"),
    sa.Index("ix_cases_queue", "state", "deadline", "id"),  # a queue page from the index
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(16), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(16), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("reporter", sa.Text, nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("authority", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8), nullable=False, server_default="ko"),
    sa.Index("ix_reports_reporter_at", "reporter", "at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("case_id", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending, done, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),  # being performed
    sa.Index("ix_outbox_state_platform", "state", "platform"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", _Id, primary_key=True, autoincrement=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("chat_id", sa.Text, nullable=False),
    sa.Column("message_id", sa.Text, nullable=False),
    sa.Column("sender_id", sa.Text, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),
    sa.Column("bank", sa.Text, nullable=False),
    sa.Column("distance", sa.Integer, nullable=True),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("case_id", sa.String(16), nullable=False, index=True),
    sa.Column("anchor", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# The audit chain's head checkpoint (one row), written with every append, so a
# cut-off end of the chain is found (core.audit).
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", _Id, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

case_copies = sa.Table(
    "case_copies",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(16), nullable=False),
    sa.Column("chat", sa.String(200), nullable=False),  # platform:chat id
    sa.Column("message", sa.JSON, nullable=False),  # ids, text, media refs: no bytes
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_case_copies_case", "case_id"),
)

case_keys = sa.Table(
    "case_keys",
    metadata,
    sa.Column("case_id", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("value", sa.String(128), nullable=False),
    sa.Index("ix_case_keys_value", "kind", "value"),
    sa.Index("ix_case_keys_case", "case_id"),
)

recent_items = sa.Table(
    "recent_items",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("chat_id", sa.String(64), nullable=False),
    sa.Column("chat_kind", sa.String(16), nullable=False),
    sa.Column("community", sa.String(64), nullable=False, server_default=""),
    sa.Column("message_id", sa.String(64), nullable=False),
    sa.Column("sender_id", sa.String(64), nullable=False),
    sa.Column("sender_kind", sa.String(16), nullable=False),
    sa.Column("album_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("items", sa.JSON, nullable=False),  # [{signal type: [values]}]: hashes, links
    sa.Index("ix_recent_items_seen_at", "seen_at"),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("position", _Id, nullable=False),
)

processed_updates = sa.Table(
    "processed_updates",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

media_signals = sa.Table(
    "media_signals",
    metadata,
    sa.Column("file_key", sa.String(400), primary_key=True),
    sa.Column("signals", sa.JSON, nullable=False),  # hashes only
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)

chat_settings = sa.Table(
    "chat_settings",
    metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("chat_id", sa.String(200), primary_key=True),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
)

reviewers = sa.Table(
    "reviewers",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("added_by", sa.Text, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False, server_default=""),
    sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("language", sa.String(8), nullable=False, server_default=""),
    sa.Column("timezone", sa.String(64), nullable=False, server_default=""),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("name", sa.String(48), primary_key=True),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False, server_default=""),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

api_usage = sa.Table(
    "api_usage",
    metadata,
    sa.Column("token", sa.String(48), primary_key=True),
    sa.Column("minute", sa.BigInteger, primary_key=True),  # Unix time // 60
    sa.Column("uses", sa.Integer, nullable=False),
)

bank_changes = sa.Table(
    "bank_changes",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("bank", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # bank, add, status
    sa.Column("first_entry", _Id, nullable=True),  # add: the entry ids it inserted
    sa.Column("last_entry", _Id, nullable=True),
    sa.Column("entry_ids", sa.JSON, nullable=True),  # status: the entries it changed
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
