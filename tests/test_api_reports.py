"""`GET /api/v1/reports/...`: the service's figures as JSON and as CSV, scoped by role and org;
a wrap-up the API refuses is kept for the reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from reports_world import REPORT_NOW, History, build_history
from sopdesk.crm.models import AuditEntry
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.orgs.models import User
from web_helpers import TestClock, make_app, ring, token_for

RANGE = "from=2026-11-25&to=2026-11-25"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def history(session_factory: sessionmaker[Session], world: World) -> History:
    return build_history(session_factory, world)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, TestClock(REPORT_NOW))) as c:
        yield c


def _as(factory: sessionmaker[Session], user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}


def test_each_report_answers_json_for_a_supervisor(
    client: TestClient, session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    sam = _as(session_factory, world.supervisor_sam)
    for kind in ("volume", "handling", "documentation", "sla", "adherence"):
        response = client.get(f"/api/v1/reports/{kind}?{RANGE}", headers=sam)
        assert response.status_code == 200, response.text
        assert response.json()["period"]["zone"] == "America/New_York"
    volume = client.get(f"/api/v1/reports/volume?{RANGE}&line=psos", headers=sam).json()
    assert volume["period"]["line"] == "psos"
    assert (volume["data"]["total"]["calls"], volume["data"]["total"]["missed"]) == (2, 1)
    assert client.get(f"/api/v1/reports/volume?{RANGE}").status_code == 401
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/reports/volume", "/api/v1/reports/sla"} <= set(paths)


def test_a_table_as_csv(
    client: TestClient, session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    sam = _as(session_factory, world.supervisor_sam)
    response = client.get(f"/api/v1/reports/volume?{RANGE}&format=csv&table=by_line", headers=sam)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    name = "volume-by_line-2026-11-25-2026-11-25.csv"
    assert name in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["line_id"], r["calls"], r["missed"]) for r in rows] == [
        ("main", "2", "0"),
        ("psos", "2", "1"),
    ]
    assert rows[0]["speed_of_answer_median"] == "22.5"
    first = client.get(f"/api/v1/reports/handling?{RANGE}&format=csv", headers=sam)
    assert first.text.splitlines()[0].startswith("calls,ring_count,ring_median")  # `total`
    bad = client.get(f"/api/v1/reports/volume?{RANGE}&format=csv&table=nope", headers=sam)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "table"


def test_roles_and_orgs_scope_every_report(
    client: TestClient, session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    bo = _as(session_factory, world.agent_bo)
    mine = client.get(f"/api/v1/reports/volume?{RANGE}", headers=bo).json()
    assert (mine["period"]["agent"], mine["data"]["total"]["calls"]) == (world.agent_bo.id, 1)
    others = client.get(f"/api/v1/reports/volume?{RANGE}&agent={world.agent_ana.id}", headers=bo)
    assert others.status_code == 403
    olga = _as(session_factory, world.other_org_olga)
    for kind in ("volume", "handling", "documentation", "sla", "adherence"):
        body = client.get(f"/api/v1/reports/{kind}?{RANGE}&line=psos", headers=olga).json()
        assert body["period"]["org_id"] == "myoperator"
        assert "rondesse" not in str(body).lower() and "Ana Reyes" not in str(body)
    lee = _as(session_factory, world.lawyer_lee)
    wrong_team = client.get(f"/api/v1/reports/sla?{RANGE}&team=accounts", headers=lee)
    assert wrong_team.status_code == 403
    bad = client.get("/api/v1/reports/volume?from=2026-13-01", headers=bo)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "from"


def test_a_wrap_up_the_api_refuses_is_kept_for_the_reports(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "api-refused", label="Rondesse Main Number")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, iid, REPORT_NOW)
    ana = _as(session_factory, world.agent_ana)
    refused = client.post(f"/api/v1/interactions/{iid}/wrap-up", headers=ana)
    assert refused.status_code == 422
    with session_factory() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "interaction.wrap_up_refused")
        ).one()
    assert entry.object_id == str(iid) and entry.actor == world.agent_ana.email
    assert {m["field"] or m["step"] for m in entry.detail["missing"]} >= {"greet", "probe"}
