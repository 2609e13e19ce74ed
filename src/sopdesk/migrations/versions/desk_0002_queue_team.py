"""desk: a call transferred to a team waits in the queue marked for it (interaction.queue_team)

Revision ID: desk_0002_queue_team
Revises: desk_0001
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0002_queue_team"
down_revision: str | Sequence[str] | None = "desk_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_team", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_column("queue_team")
