"""Webhook delivery state in the job row: the webhook id and the attempts started so far.

Both survive restarts, so a delivery resumed at startup keeps its id (``webhook-id``) and its
attempt budget. Existing jobs take them over from their delivery log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``jobs.webhook_id`` and ``jobs.webhook_attempts``, filled from the delivery log."""
    op.add_column("jobs", sa.Column("webhook_id", sa.String(32)))
    op.add_column(
        "jobs",
        sa.Column("webhook_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE jobs SET "
        "webhook_attempts = (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.job_id = jobs.id), "
        "webhook_id = (SELECT d.delivery_id FROM webhook_deliveries d WHERE d.job_id = jobs.id "
        "ORDER BY d.id DESC LIMIT 1) "
        "WHERE callback_url IS NOT NULL"
    )


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("webhook_attempts")
        batch.drop_column("webhook_id")
