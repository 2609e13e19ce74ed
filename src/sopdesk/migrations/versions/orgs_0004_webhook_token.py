"""orgs: each org's webhook credential (a digest of its Verification-Token)

Revision ID: orgs_0004_webhook_token
Revises: orgs_0003_presence
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orgs_0004_webhook_token"
down_revision: str | Sequence[str] | None = "orgs_0003_presence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org") as batch:
        batch.add_column(sa.Column("webhook_token_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org") as batch:
        batch.drop_column("webhook_token_hash")
