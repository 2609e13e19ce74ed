"""orgs: the live playbook pointer (rollback) and a published version's other files

Revision ID: orgs_0006_live_playbook
Revises: orgs_0005_sessions
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orgs_0006_live_playbook"
down_revision: str | Sequence[str] | None = "orgs_0005_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org") as batch:
        batch.add_column(sa.Column("live_playbook_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("published_playbook") as batch:
        batch.add_column(sa.Column("files", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("published_playbook") as batch:
        batch.drop_column("files")
    with op.batch_alter_table("org") as batch:
        batch.drop_column("live_playbook_id")
