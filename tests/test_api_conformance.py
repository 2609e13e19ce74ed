"""The API does what /openapi.json says: schemathesis runs every operation with all of its
checks (status codes, content types, response schemas, headers, positive and negative data,
unsupported methods and OPTIONS, missing auth...) through its own engine, in process, and
none may fail. Authenticated as an agent, on the test database, with a call ringing."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from sqlalchemy.orm import Session, sessionmaker

from personas import build_world
from web_helpers import make_app, token_for

# Enough for every phase to reach each operation's edges while the test stays under a minute.
EXAMPLES_PER_OPERATION = 10
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

# Operations whose schema-valid input can still be refused with 422 naming the field, because
# what the app checks is not something a JSON Schema can say: whether a name exists in the
# org's playbook, knowledge base or records, or a rule between two fields. Only
# `positive_data_acceptance` is told so, and only for these; every other check stays strict.
CHECKED_AGAINST_THE_ORG: dict[str, str] = {
    "^/api/v1/reports/": "a range of at most 366 days, `from` not after `to`",
    "^/api/v1/contacts$": "a name, a phone or an email at least; a phone and an email that read",
    "^/api/v1/accounts$": "a phone and an email that read as one",
    "/answers$": "a step and an answer of the call's playbook",
    "/escalations$": "a policy and a team of the call's playbook",
    "/faq-tried$": "an article of the org's knowledge base",
    "^/api/v1/tickets$": "a ticket category of the org's playbook, with its mandatory fields",
    "/category$": "a ticket category of the ticket's team, with its mandatory fields",
    "/tasks$": "a due time within 2000-2100 (`format: date-time` has no bounds); a team of the "
    "playbook",
    "^/api/v1/calls$": "a time within 2000-2100 (`format: date-time` has no bounds)",
    "^/api/v1/me/password$": "`current_password` must be the caller's password, which no schema "
    "can state",
    "/scenarios/": "a scenario of the call's playbook and values its fields take",
    "/steps/": "a step of the call's playbook",
    "/wrap-up$": "every record the call owes documented first (`documentation_missing` lists "
    "what is missing)",
    "/transfer$": "a person of the org who takes calls, a team of the playbook",
    "/account$": "an account of the org",
    "^/api/v1/leads/[^/]+$": "a stage of the org and an owner of the org",
    "/assign$": "a member of the task's team",
    # Not the app's: schemathesis 4.32's coverage phase sends `If-Match: 0` as a value of the
    # documented pattern `"N"` (its fuzzing phase keeps the quotes), and the app refuses it, as
    # the schema says it must.
    "/summary$": "an If-Match the schema allows, as schemathesis's coverage phase misreads it",
    # A delivery without a body is only the handshake, told by its Validation-Token header.
    "^/api/v1/telephony/ringcentral$": "a body, unless it is the Validation-Token handshake",
}


def conformance_config(token: str) -> SchemathesisConfig:
    allowances = [
        {
            "include-path-regex": pattern,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": [*POSITIVE_EXPECTED, "422"]
                    + (["400"] if "telephony" in pattern else [])
                }
            },
        }
        for pattern in CHECKED_AGAINST_THE_ORG
    ]
    return SchemathesisConfig.from_dict(
        {
            "seed": 11,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "mode": "all",  # positive and negative data
                "max-examples": EXAMPLES_PER_OPERATION,
                "database": "none",
                # Every text field refuses a NUL (422, `edgetext`; tests/test_bad_text.py): one
                # rule for all text, which the schema does not repeat on each string.
                "allow-x00": False,
            },
            "suppress-health-check": ["all"],
            "operations": allowances,
        }
    )


def failures_of(stream: Any) -> tuple[list[str], list[str]]:
    """Each distinct failure (check, operation, title, answer, request as curl) and each error."""
    found: dict[tuple[str, str, str], str] = {}
    errors: list[str] = []
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    if node.failure_info is None:
                        continue
                    failure = node.failure_info.failure
                    interaction = event.recorder.interactions.get(case_id)
                    answer = ""
                    if interaction is not None and interaction.response is not None:
                        response = interaction.response
                        answer = f"{response.status_code} {response.content[:300]!r}"
                    key = (node.name, str(failure.operation), failure.title)
                    found.setdefault(
                        key,
                        f"{node.name}: {failure.operation}: {failure.title}\n  {failure.message}"
                        f"\n  answer: {answer}\n  {node.failure_info.code_sample}",
                    )
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            errors.extend(str(failure) for failure in event.failures)
    return [found[key] for key in sorted(found)], errors


@pytest.mark.sqlite_only
def test_every_operation_passes_all_schemathesis_checks(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    world = build_world(session_factory)
    token = token_for(session_factory, world.agent_ana)
    app = make_app(db_url)
    with TestClient(app, raise_server_exceptions=False) as client:
        auth = {"Authorization": f"Bearer {token}"}
        client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}, headers=auth)
        schema = schemathesis.openapi.from_asgi(
            "/openapi.json", app, config=conformance_config(token)
        )
        assert len(list(schema.get_all_operations())) >= 10, "the API documents its operations"
        failures, errors = failures_of(from_schema(schema).execute())
    assert errors == [], "schemathesis could not run:\n" + "\n".join(errors)
    assert failures == [], f"{len(failures)} failures:\n\n" + "\n\n".join(failures)


def test_options_and_405_name_every_method_of_the_path(db_url: str) -> None:
    with TestClient(make_app(db_url)) as client:
        options = client.options("/api/v1/tickets")
        refused = client.delete("/api/v1/tickets")
        nothing = client.options("/api/v1/no-such-thing")
    assert (options.status_code, options.headers["allow"]) == (204, "GET, OPTIONS, POST")
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, OPTIONS, POST")
    assert refused.json()["error"]["code"] == "method_not_allowed"
    assert nothing.status_code == 404
