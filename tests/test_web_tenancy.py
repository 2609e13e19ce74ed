"""Tenancy on every endpoint: a MyOperator user asking for Rondesse objects gets a 404.

The routes are discovered, so an endpoint added to web/api or web/ui is checked here without
anyone remembering to: each path parameter is filled with the id of a real Rondesse object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.authoring import library
from sopdesk.crm.models import Lead, Note, Task
from sopdesk.db import transaction
from sopdesk.orgs.models import ApiToken, LoginSession
from sopdesk.web import api, ui
from sopdesk.web.app import discover_routers
from web_helpers import NOW, csrf_from, login, make_app, ring, token_for

SECRET_NAME = "Rondesse Secret Caller"
WRITES = {"POST", "PUT", "PATCH"}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _rondesse_ids(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> dict[str, int | str]:
    interaction = ring(
        factory, "rondesse", "secret-1", label="Rondesse PSOS", caller_name=SECRET_NAME
    )
    with transaction(factory) as s:
        lead = Lead(
            org_id="rondesse", name=SECRET_NAME, stage="Hot", created_at=NOW, updated_at=NOW
        )
        task = Task(
            org_id="rondesse", title=SECRET_NAME, team="lawyers", due_at=NOW, created_at=NOW
        )
        note = Note(
            org_id="rondesse",
            account_id=world.account_id,
            author="Ana",
            body=SECRET_NAME,
            created_at=NOW,
        )
        s.add_all([lead, task, note])
        s.flush()
        draft = library.new_draft(s, world.supervisor_sam, NOW, title=SECRET_NAME)
        ids: dict[str, int | str] = {
            "lead_id": lead.id,
            "task_id": task.id,
            "note_id": note.id,
            "draft_id": draft.id,
        }
    ids.update(_rondesse_access_ids(client, factory, world))
    ids.update(
        interaction_id=interaction,
        call_id=interaction,
        id=interaction,
        account_id=world.account_id,
        # Playbook element ids that exist in the Rondesse playbook, for nested paths.
        step_id="greet",
        scenario_id="crypto",
        line_id="psos",
        # The playbook library's paths name the org and a version it published.
        org="rondesse",
        version="2026.11.1",
    )
    return ids


def _routes() -> list[tuple[APIRoute, str]]:
    found = []
    for package, prefix in ((api, "/api/v1"), (ui, "")):
        for router in discover_routers(package):
            for route in router.routes:
                if isinstance(route, APIRoute) and "{" in route.path:
                    found.append((route, prefix))
    return found


def _path(route: APIRoute, prefix: str, ids: dict[str, int | str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return str(ids.get(name, ids["interaction_id"]))

    return prefix + re.sub(r"\{([^}]+)\}", fill, route.path)


def _rondesse_access_ids(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> dict[str, int | str]:
    """A Rondesse agent's login session and API token: another org may neither end nor see them."""
    token_for(factory, world.agent_ana)
    login(client, world.agent_ana)  # the MyOperator login that follows replaces the cookie
    with factory() as s:
        session_id = s.scalars(
            select(LoginSession.id).where(LoginSession.user_id == world.agent_ana.id)
        ).one()
        token_id = s.scalars(
            select(ApiToken.id).where(ApiToken.user_id == world.agent_ana.id)
        ).one()
    return {"session_id": session_id, "token_id": token_id}


def test_no_endpoint_hands_a_rondesse_object_to_another_org(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ids = _rondesse_ids(client, session_factory, world)
    olga_token = token_for(session_factory, world.other_org_olga)
    login(client, world.other_org_olga)
    csrf = csrf_from(client.get("/queue").text)
    for route, prefix in _routes():
        path = _path(route, prefix, ids)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if prefix:
                headers = {"Authorization": f"Bearer {olga_token}"}
            else:
                headers = {"X-CSRF-Token": csrf, "Accept": "text/html"}
            body = {"json": {}} if method in WRITES else {}
            response = client.request(method, path, headers=headers, **body)  # type: ignore[arg-type]
            where = f"{method} {path}"
            assert SECRET_NAME not in response.text, f"{where} leaked Rondesse data"
            assert response.status_code < 500, f"{where}: {response.status_code}"
            if method in WRITES:
                # An invalid body may be refused before the lookup; it must never succeed.
                assert response.status_code in (404, 422), f"{where}: {response.status_code}"
            else:
                assert response.status_code == 404, f"{where}: {response.status_code}"
    # Endpoints without ids are scoped by the user's org: see test_web_queue and test_web_events.
