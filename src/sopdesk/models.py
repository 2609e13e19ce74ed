"""Imports every room's models so that Base.metadata knows every table (for Alembic and tests)."""

from __future__ import annotations

import importlib

ROOM_MODELS = (
    "sopdesk.orgs.models",
    "sopdesk.crm.models",
    "sopdesk.desk.models",
    "sopdesk.escalations.models",
    "sopdesk.kb.models",
)


def load_all_models() -> None:
    for module in ROOM_MODELS:
        importlib.import_module(module)
