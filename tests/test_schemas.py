"""The JSON Schemas in schema/ are exported from the models and must not drift from them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from sopdesk.playbooks import engine
from sopdesk.playbooks.engine.schemas import SCHEMA_FILES, json_schema
from sopdesk.playbooks.language.loader import load_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = json.loads((ROOT / "schema" / SCHEMA_FILES[name]).read_text())
    assert committed == json_schema(name), (
        f"run: sopdesk schema {name} > schema/{SCHEMA_FILES[name]}"
    )


@pytest.mark.parametrize("org", ["rondesse", "myoperator"])
def test_seed_playbooks_validate_against_the_json_schema(org: str) -> None:
    document = yaml.safe_load((ROOT / "playbooks" / org / "playbook.yaml").read_text())
    jsonschema.validate(document, json_schema("playbook"))


def test_call_json_validates_against_the_screen_schema() -> None:
    playbook = load_file(ROOT / "playbooks/rondesse/playbook.yaml").playbook
    screen = engine.resolve_call(playbook, "Ana", label="Rondesse PSOS")
    jsonschema.validate(screen.model_dump(mode="json"), json_schema("screen"))
