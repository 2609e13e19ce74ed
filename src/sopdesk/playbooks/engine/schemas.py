"""JSON Schemas exported from the models: the playbook format and the call screen."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sopdesk.playbooks.engine.screen import Screen
from sopdesk.playbooks.language.schema import Playbook

_MODELS: dict[str, type[BaseModel]] = {"playbook": Playbook, "screen": Screen}
SCHEMA_FILES = {"playbook": "playbook.schema.json", "screen": "screen.schema.json"}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of `name` ('playbook' or 'screen'); KeyError for anything else."""
    model = _MODELS[name]
    document = model.model_json_schema(mode="validation" if name == "playbook" else "serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}
