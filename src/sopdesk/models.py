"""Imports every room's models so that Base.metadata knows every table (for Alembic and tests)."""

from __future__ import annotations

import importlib

ROOM_MODELS = (
    "sopdesk.orgs.models",
    "sopdesk.orgs.presence",  # the agent_presence table
    "sopdesk.crm.models",
    "sopdesk.desk.models",
    "sopdesk.escalations.models",
    "sopdesk.kb.models",
    "sopdesk.authoring.models",
)


def load_all_models() -> None:
    for module in ROOM_MODELS:
        importlib.import_module(module)


# Search structures the kb migration makes by hand, per backend (SQLite FTS5 tables, the
# PostgreSQL tsvector column and its GIN index): no model describes them.
_HAND_MADE = ("kb_article_fts", "search_tsv", "ix_kb_article_search_tsv")


def include_in_autogenerate(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name` filter: compare everything but the hand-made search parts."""
    return not (name is not None and name.startswith(_HAND_MADE))
