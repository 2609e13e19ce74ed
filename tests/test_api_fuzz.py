"""API fuzzing: schemathesis generates requests for every operation of /openapi.json; none may
answer 5xx. Runs against the real app on the test database, authenticated as an agent."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session, sessionmaker

from personas import build_world
from web_helpers import make_app, token_for

# Enough to reach the validation paths of every operation while keeping the suite quick.
EXAMPLES_PER_OPERATION = 25


@pytest.mark.sqlite_only
def test_no_operation_answers_5xx(db_url: str, session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    auth = {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}
    app = make_app(db_url)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}, headers=auth)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures: list[str] = []
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10, "the API documents its operations"
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: schemathesis.Case) -> None:
                response = case.call(headers={**(case.headers or {}), **auth})
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}"
                    )

            fuzz()
        assert failures == []
