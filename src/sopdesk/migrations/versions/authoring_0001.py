"""authoring: playbook drafts (draft, review, approval, publication)

Revision ID: authoring_0001
Revises:
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "authoring_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("authoring",)
depends_on: str | Sequence[str] | None = "orgs_0006_live_playbook"


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sopdesk.db.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "playbook_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.String(length=64), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("submitted_at"),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        _when("reviewed_at"),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("published_version", sa.String(length=64), nullable=True),
        _when("published_at"),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_playbook_draft_org_status", "playbook_draft", ["org_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_playbook_draft_org_status", table_name="playbook_draft")
    op.drop_table("playbook_draft")
