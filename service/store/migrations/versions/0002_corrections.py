"""Corrections: editors' reviewed versions of a job's result (the job's result is never changed).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the corrections table."""
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.String(32), sa.ForeignKey("api_keys.id")),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("job_id", "version", name="uq_corrections_job_version"),
    )
    op.create_index("ix_corrections_job_id", "corrections", ["job_id"])
    op.create_index("ix_corrections_api_key_id", "corrections", ["api_key_id"])
    op.create_index("ix_corrections_created", "corrections", ["created_at"])


def downgrade() -> None:
    """Drop the corrections table."""
    op.drop_table("corrections")
