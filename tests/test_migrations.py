"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from sopdesk.db import Base
from sopdesk.models import include_in_autogenerate, load_all_models


def test_migrated_database_matches_the_models(db_engine: Engine) -> None:
    load_all_models()
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_autogenerate})
        assert compare_metadata(context, Base.metadata) == []
