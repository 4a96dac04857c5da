"""Result owners: which API keys obtained each stored summary (for per-key ``cached``).

Existing owners are taken from the succeeded jobs that hold a content hash.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``result_owners`` and fill it from the jobs table."""
    op.create_table(
        "result_owners",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO result_owners (content_hash, owner, created_at) "
        "SELECT content_hash, COALESCE(api_key_id, 'anonymous'), MIN(created_at) FROM jobs "
        "WHERE status = 'succeeded' AND content_hash IS NOT NULL "
        "AND content_hash IN (SELECT content_hash FROM results) "
        "GROUP BY content_hash, COALESCE(api_key_id, 'anonymous')"
    )


def downgrade() -> None:
    """Drop ``result_owners``."""
    op.drop_table("result_owners")
