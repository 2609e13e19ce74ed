"""crm: team follow-up on tasks: a comment thread per task (crm_task_comment), and the outcome
a task was closed with (crm_task.outcome, crm_task.outcome_code)

Revision ID: desk_0004_task_followup
Revises: desk_0003_crm_leads
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "desk_0004_task_followup"
down_revision: str | Sequence[str] | None = "desk_0003_crm_leads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("outcome_code", sa.String(length=20), nullable=True))

    op.create_table(
        "crm_task_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sopdesk.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_crm_task_comment_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_crm_task_comment_org_id_org")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["crm_task.id"], name=op.f("fk_crm_task_comment_task_id_crm_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_task_comment")),
    )
    with op.batch_alter_table("crm_task_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crm_task_comment_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crm_task_comment_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crm_task_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crm_task_comment_task_id"))
        batch_op.drop_index(batch_op.f("ix_crm_task_comment_org_id"))
    op.drop_table("crm_task_comment")
    with op.batch_alter_table("crm_task", schema=None) as batch_op:
        batch_op.drop_column("outcome_code")
        batch_op.drop_column("outcome")
