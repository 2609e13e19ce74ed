"""desk: what the reports read without walking every call again: refused wrap-ups counted on
the call (interaction.wrap_up_refusals) with their items as rows (wrap_up_refused_item), the
pattern of what a wrapped-up call did with its playbook (call_pattern, interaction.pattern_id),
and an index on (org_id, rang_at)

Existing refusals are backfilled from their audit entries. Calls wrapped up before this have
no pattern: the reports work theirs out from the call's progress, as they did before.

Revision ID: desk_0005_report_facts
Revises: desk_0004_task_followup
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "desk_0005_report_facts"
down_revision: str | Sequence[str] | None = "desk_0004_task_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSED = "interaction.wrap_up_refused"


def _items(detail: Any) -> list[dict[str, Any]]:
    data = json.loads(detail) if isinstance(detail, str) else detail or {}
    return [m for m in data.get("missing", []) if isinstance(m, dict)]


def _backfill() -> None:
    """Each refused wrap-up's audit entry: one more refusal on its call, and its items."""
    bind = op.get_bind()
    audit = sa.table(
        "audit_entry",
        sa.column("org_id", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.String),
        sa.column("action", sa.String),
        sa.column("at", sopdesk.db.UtcDateTime()),
        sa.column("detail", sa.JSON),
    )
    call = sa.table(
        "interaction",
        sa.column("id", sa.Integer),
        sa.column("rang_at", sopdesk.db.UtcDateTime()),
        sa.column("wrap_up_refusals", sa.Integer),
    )
    item = sa.table(
        "wrap_up_refused_item",
        *(sa.column(n, sa.String) for n in ("org_id", "code", "place", "scenario", "message")),
        sa.column("interaction_id", sa.Integer),
        sa.column("rang_at", sopdesk.db.UtcDateTime()),
        sa.column("at", sopdesk.db.UtcDateTime()),
    )
    entries = bind.execute(
        sa.select(audit.c.org_id, audit.c.object_id, audit.c.at, audit.c.detail, call.c.rang_at)
        .join(call, call.c.id == sa.cast(audit.c.object_id, sa.Integer))
        .where(audit.c.object_type == "interaction", audit.c.action == REFUSED)
    ).all()
    for org_id, object_id, at, detail, rang_at in entries:
        bind.execute(
            call.update()
            .where(call.c.id == int(object_id))
            .values(wrap_up_refusals=call.c.wrap_up_refusals + 1)
        )
        rows = [
            {
                "org_id": org_id,
                "interaction_id": int(object_id),
                "rang_at": rang_at,
                "at": at,
                "code": str(m.get("code")),
                "place": str(m.get("field") or m.get("step") or m.get("scenario") or m.get("code"))[
                    :200
                ],
                "scenario": m.get("scenario") or None,
                "message": str(m.get("message") or m.get("code"))[:500],
            }
            for m in _items(detail)
        ]
        if rows:
            bind.execute(item.insert(), rows)


def upgrade() -> None:
    op.create_table(
        "call_pattern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("uses", sa.JSON(), nullable=False),
        sa.Column("written", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_call_pattern_org_id_org")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_pattern")),
        sa.UniqueConstraint("org_id", "digest", name=op.f("uq_call_pattern_org_id")),
    )
    op.create_table(
        "wrap_up_refused_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("rang_at", sopdesk.db.UtcDateTime(), nullable=False),
        sa.Column("at", sopdesk.db.UtcDateTime(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("scenario", sa.String(length=64), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_wrap_up_refused_item_interaction_id_interaction"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_wrap_up_refused_item_org_id_org")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrap_up_refused_item")),
    )
    with op.batch_alter_table("wrap_up_refused_item", schema=None) as batch_op:
        batch_op.create_index("ix_wrap_up_refused_item_org_rang", ["org_id", "rang_at"])
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wrap_up_refusals", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("pattern_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_interaction_pattern_id_call_pattern"),
            "call_pattern",
            ["pattern_id"],
            ["id"],
        )
        batch_op.create_index("ix_interaction_org_rang", ["org_id", "rang_at"])
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_org_rang")
        batch_op.drop_constraint(
            batch_op.f("fk_interaction_pattern_id_call_pattern"), type_="foreignkey"
        )
        batch_op.drop_column("pattern_id")
        batch_op.drop_column("wrap_up_refusals")
    with op.batch_alter_table("wrap_up_refused_item", schema=None) as batch_op:
        batch_op.drop_index("ix_wrap_up_refused_item_org_rang")
    op.drop_table("wrap_up_refused_item")
    op.drop_table("call_pattern")
