"""orgs: server-side login sessions, the login attempts log, API token expiry and revocation

Revision ID: orgs_0005_sessions
Revises: orgs_0004_webhook_token
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.db

revision: str = "orgs_0005_sessions"
down_revision: str | Sequence[str] | None = "orgs_0004_webhook_token"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sopdesk.db.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("label", sa.String(length=200), nullable=True))
        batch.add_column(_when("expires_at"))
        batch.add_column(_when("revoked_at"))
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _when("started_at", nullable=False),
        _when("ends_at", nullable=False),
        _when("ended_at"),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_login_session_org_id_org")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_login_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_session_key_hash")),
    )
    with op.batch_alter_table("login_session") as batch:
        batch.create_index(batch.f("ix_login_session_org_id"), ["org_id"], unique=False)
        batch.create_index(batch.f("ix_login_session_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at", nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_login_attempt_org_id_org")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_login_attempt_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt") as batch:
        batch.create_index("ix_login_attempt_email_at", ["email", "at"], unique=False)
        batch.create_index("ix_login_attempt_address_at", ["address", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("login_attempt")
    op.drop_table("login_session")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
        batch.drop_column("label")
