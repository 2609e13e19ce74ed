"""Alembic environment: runs every room's migrations against the configured URL."""

from __future__ import annotations

from alembic import context

from sopdesk.db import Base, make_engine
from sopdesk.models import include_in_autogenerate, load_all_models

load_all_models()
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_in_autogenerate,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
