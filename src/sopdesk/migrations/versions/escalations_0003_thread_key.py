"""escalations: a secret thread key per ticket (backfilled), who raised a ticket, and the
earlier ticket a new one follows with the reason it did not join it

Revision ID: escalations_0003_thread_key
Revises: escalations_0002_sweeper_beat
Create Date: 2026-12-02 08:10:00
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "escalations_0003_thread_key"
down_revision: str | Sequence[str] | None = "escalations_0002_sweeper_beat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill() -> None:
    """Every existing ticket gets its own random key, so old threads keep a secret too."""
    bind = op.get_bind()
    ticket = sa.table("ticket", sa.column("id", sa.Integer), sa.column("thread_key", sa.String))
    ids = list(bind.execute(sa.select(ticket.c.id)).scalars())
    for ticket_id in ids:
        bind.execute(
            ticket.update().where(ticket.c.id == ticket_id).values(thread_key=secrets.token_hex(16))
        )


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("raised_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("follows_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("opened_note", sa.String(length=500), nullable=True))
    _backfill()
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.alter_column("thread_key", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_ticket_thread_key"), ["thread_key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_raised_by_id_user_account"),
            "user_account",
            ["raised_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_follows_id_ticket"), "ticket", ["follows_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ticket_follows_id_ticket"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_ticket_raised_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_ticket_thread_key"), type_="unique")
        batch_op.drop_column("opened_note")
        batch_op.drop_column("follows_id")
        batch_op.drop_column("raised_by_id")
        batch_op.drop_column("thread_key")
