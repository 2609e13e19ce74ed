"""orgs: how many calls one person may hold at once (org.max_active_calls, default 1)

Revision ID: orgs_0002_max_active_calls
Revises: orgs_0001
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orgs_0002_max_active_calls"
down_revision: str | Sequence[str] | None = "orgs_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_active_calls", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_column("max_active_calls")
