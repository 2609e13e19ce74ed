"""orgs: agents' presence (what they chose, since when, their browser's last sign of life)

Revision ID: orgs_0003_presence
Revises: orgs_0002_max_active_calls
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "orgs_0003_presence"
down_revision: str | Sequence[str] | None = "orgs_0002_max_active_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_presence",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("chosen", sa.String(length=16), nullable=False),
        sa.Column("chosen_at", sopdesk.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sopdesk.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("online_since", sopdesk.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("free_since", sopdesk.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_agent_presence_org_id_org")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_agent_presence_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_agent_presence")),
    )
    with op.batch_alter_table("agent_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_presence_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agent_presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_presence_org_id"))
    op.drop_table("agent_presence")
