"""crm: leads can be worked (email, owner) and noted (crm_lead_note)

Revision ID: desk_0003_crm_leads
Revises: desk_0002_queue_team
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "desk_0003_crm_leads"
down_revision: str | Sequence[str] | None = "desk_0002_queue_team"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_crm_lead_owner_id_user_account"), "user_account", ["owner_id"], ["id"]
        )
    op.create_table(
        "crm_lead_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sopdesk.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["crm_lead.id"], name=op.f("fk_crm_lead_note_lead_id_crm_lead")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_crm_lead_note_org_id_org")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_lead_note")),
    )
    with op.batch_alter_table("crm_lead_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crm_lead_note_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crm_lead_note_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crm_lead_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crm_lead_note_org_id"))
        batch_op.drop_index(batch_op.f("ix_crm_lead_note_lead_id"))
    op.drop_table("crm_lead_note")
    with op.batch_alter_table("crm_lead", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_crm_lead_owner_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("owner_id")
        batch_op.drop_column("email")
