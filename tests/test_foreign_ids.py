"""Every id in a request body is checked against the caller's org (issue 11, item 8): another
org's account, contact or user, and an id that names nothing, are refused naming the field
(404 or 422), never accepted and never a 500. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.crm import records
from sopdesk.crm.models import Lead
from sopdesk.db import transaction
from web_helpers import NOW, make_app, ring, token_for

NOWHERE = 2_000_000_000  # an id no row has


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def _refused(answer: object, field: str) -> None:
    """404 (the id names nothing of the caller's org) or 422 naming `field`; never 2xx/500."""
    status = answer.status_code  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert status in (404, 422), (status, body)
    if status == 422:
        assert field in [f["field"] for f in body["error"]["fields"]], body


def test_another_orgs_ids_in_bodies_are_refused(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    priya = _bearer(session_factory, world.agent_priya)  # MyOperator
    rondesse_account = world.account_id
    ana = world.agent_ana.id  # a Rondesse user
    for account in (rondesse_account, NOWHERE):
        contact = client.post(
            "/api/v1/contacts", json={"name": "Ravi", "account_id": account}, headers=priya
        )
        _refused(contact, "account_id")
    iid = ring(session_factory, "myoperator", "foreign-1", number="+91 22 4000 0000")
    base = f"/api/v1/interactions/{iid}"
    assert client.post(f"{base}/accept", headers=priya).status_code == 200
    for account in (rondesse_account, NOWHERE):
        _refused(client.put(f"{base}/account", json={"account_id": account}, headers=priya),
                 "account_id")  # fmt: skip
    for person in (ana, NOWHERE):
        _refused(client.post(f"{base}/transfer", json={"to_user": person}, headers=priya),
                 "to_user")  # fmt: skip
    with transaction(session_factory) as s:
        lead = records.write_lead(
            s, org_id="myoperator", stage="Hot", name="Jo", phone="+912240001111", line="support",
            now=NOW,
        )  # fmt: skip
        s.flush()
        lead_id = lead.id
    olga = _bearer(session_factory, world.other_org_olga)
    for person in (ana, NOWHERE):
        _refused(client.patch(f"/api/v1/leads/{lead_id}", json={"owner_id": person},
                              headers=olga), "owner_id")  # fmt: skip
        _refused(client.post(f"/api/v1/leads/{lead_id}/tasks",
                             json={"title": "Call back", "assignee_id": person}, headers=olga),
                 "assignee_id")  # fmt: skip
    # Nothing was written: the call holds no account and no other owner, the lead no owner.
    detail = client.get(base, headers=priya).json()["interaction"]
    assert detail["account_id"] is None and detail["agent_id"] == world.agent_priya.id
    with session_factory() as s:
        stored = s.get(Lead, lead_id)
        assert stored is not None and stored.owner_id is None
