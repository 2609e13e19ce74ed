"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from sopdesk.db import Base, alembic_config, migrate
from sopdesk.models import include_in_autogenerate, load_all_models


def test_migrated_database_matches_the_models(db_engine: Engine) -> None:
    load_all_models()
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_autogenerate})
        assert compare_metadata(context, Base.metadata) == []


def test_thread_keys_are_backfilled_one_per_existing_ticket(tmp_path: Path) -> None:
    """escalations_0003 on a database with tickets: each gets its own 128-bit key."""
    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(alembic_config(url), "escalations_0002_sweeper_beat")
    engine = create_engine(url)
    row = "'myoperator', 'legal', 'Old', 'open', 'email', '2026-11-25 10:00:00', 'none', '{}'"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org (id, name, created_at) "
                "VALUES ('myoperator', 'MyOperator', '2026-11-25 10:00:00')"
            )
        )
        for _ in range(3):
            conn.execute(
                text(
                    "INSERT INTO ticket (org_id, team, subject, status, channel, received_at, "
                    f"sla_state, fields, updated_at) VALUES ({row}, '2026-11-25 10:00:00')"
                )
            )
    migrate(url)
    with engine.connect() as conn:
        keys = list(conn.execute(text("SELECT thread_key FROM ticket")).scalars())
    engine.dispose()
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
