"""escalations: each sweeper process's last pass (for /health)

Revision ID: escalations_0002_sweeper_beat
Revises: escalations_0001
Create Date: 2026-12-02 05:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "escalations_0002_sweeper_beat"
down_revision: str | Sequence[str] | None = "escalations_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sweeper_beat",
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("last_success_at", sopdesk.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sopdesk.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_sweeper_beat")),
    )


def downgrade() -> None:
    op.drop_table("sweeper_beat")
