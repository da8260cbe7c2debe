"""Cases indexed in queue order within a state (state, deadline, id): a queue page
picks its 50 ids from the index alone instead of sorting every open case's row.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_queue", "cases", ["state", "deadline", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_queue", "cases")
