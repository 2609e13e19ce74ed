"""The leads page works a lead in place (issue 9.1): its stage, its owner, a note, a follow-up
task, through `crm.leads`. Each form works without JS (a 303 back to the page) and with htmx
(the lead's rows again); a refusal shows the field's message beside it; another org's lead is
a 404 on every route."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm import records
from sopdesk.crm.models import AuditEntry, Lead, LeadNote, Task
from sopdesk.db import transaction
from web_helpers import csrf_from, login, make_app


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _lead(factory: sessionmaker[Session], org_id: str = "rondesse", name: str = "Jo Doe") -> int:
    with transaction(factory) as s:
        lead = records.write_lead(
            s, org_id=org_id, stage="Hot", name=name, phone="+12125550100", line="main", now=T0
        )
        s.flush()
        return lead.id


def _token(client: TestClient) -> str:
    return csrf_from(client.get("/leads").text)


def _htmx(token: str) -> dict[str, str]:
    """What htmx sends: its header and the CSRF token from <body hx-headers>."""
    return {"HX-Request": "true", "X-CSRF-Token": token}


def _row(html: str, lead_id: int) -> str:
    match = re.search(rf'<tbody id="lead-{lead_id}".*?</tbody>', html, re.S)
    assert match, f"no rows for lead {lead_id}"
    return match.group(0)


def test_a_lead_is_staged_owned_noted_and_followed_up_on_the_page(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    lead_id = _lead(session_factory)
    login(client, world.agent_ana)
    page = client.get("/leads").text
    row = _row(page, lead_id)
    for control in ("stage", "owner", "note", "task-title", "task-due", "task-assignee"):
        assert f'id="lead-{control}-{lead_id}"' in row  # a labelled control each
    assert "Bo Lind" in row and "Sam Ortiz" in row and "Olga Ivanova" not in row
    assert '<option value="Warm">' in row and "Lawyers" in row  # the org's stages and teams
    token = _token(client)
    hx = _htmx(token)

    # Without JS: each form posts and comes back to the page.
    staged = client.post(
        f"/leads/{lead_id}/stage",
        data={"stage": "warm", "csrf_token": token},
        follow_redirects=False,
    )
    assert staged.status_code == 303 and staged.headers["location"] == f"/leads#lead-{lead_id}"
    owned = client.post(
        f"/leads/{lead_id}/owner",
        data={"owner_id": str(world.agent_bo.id), "csrf_token": token, "view": "Warm"},
        follow_redirects=False,
    )
    assert owned.headers["location"] == f"/leads?stage=Warm#lead-{lead_id}"
    row = _row(client.get("/leads").text, lead_id)
    assert '<option value="Warm" selected>' in row
    assert f'<option value="{world.agent_bo.id}" selected>Bo Lind' in row

    # With htmx: the lead's rows come back, with the tabs out of band and the note shown.
    noted = client.post(
        f"/leads/{lead_id}/notes", data={"body": "Wants a call on Monday"}, headers=hx
    )
    assert noted.status_code == 200
    assert noted.text.lstrip().startswith(f'<tbody id="lead-{lead_id}"')
    assert "Wants a call on Monday" in noted.text and "Ana Reyes" in noted.text
    assert f'id="lead-notes-{lead_id}" open' in noted.text  # the notes stay open
    assert 'id="lead-tabs" aria-label="Lead stages" hx-swap-oob="true"' in noted.text
    tasked = client.post(
        f"/leads/{lead_id}/tasks",
        data={"title": "Call back Monday", "due_at": "2026-11-30T09:30", "team": "lawyers"},
        headers=hx,
    )
    assert tasked.status_code == 200 and "Call back Monday" in tasked.text
    mine = client.post(f"/leads/{lead_id}/tasks", data={"title": "Send the brochure"}, headers=hx)
    assert "Send the brochure" in mine.text
    cleared = client.post(f"/leads/{lead_id}/owner", data={"owner_id": ""}, headers=hx)
    assert '<option value="" selected>' not in cleared.text  # "Nobody" is the first option
    assert f'<option value="{world.agent_bo.id}" selected>' not in cleared.text

    with transaction(session_factory) as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None and (lead.stage, lead.owner_id) == ("Warm", None)
        assert [n.body for n in s.scalars(select(LeadNote))] == ["Wants a call on Monday"]
        tasks = {t.title: t for t in s.scalars(select(Task))}
        team_task, own_task = tasks["Call back Monday"], tasks["Send the brochure"]
        assert (team_task.team, team_task.source) == ("lawyers", f"lead:{lead_id}")
        # typed in Rondesse's zone (New York, EST in November): stored in UTC
        assert team_task.due_at.isoformat().startswith("2026-11-30T14:30")
        assert own_task.assignee_id == world.agent_bo.id  # the owner's when it was asked
        actions = list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "lead")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == [
        "lead.staged",
        "lead.owned",
        "lead.noted",
        "lead.task_added",
        "lead.task_added",
        "lead.owned",
    ]


def test_a_refusal_is_shown_beside_its_field(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    lead_id = _lead(session_factory)
    login(client, world.agent_ana)
    token = _token(client)
    hx = _htmx(token)

    # Without JS: the whole page again, 422, the message beside the stage select.
    page = client.post(f"/leads/{lead_id}/stage", data={"stage": "Lukewarm", "csrf_token": token})
    assert page.status_code == 422 and "<h1>Leads</h1>" in page.text
    row = _row(page.text, lead_id)
    assert f'id="lead-stage-{lead_id}" name="stage" aria-invalid="true"' in row
    assert f'<p class="lead-form__problem" id="lead-stage-{lead_id}-problem" role="alert">' in row
    assert "unknown stage &#39;Lukewarm&#39;: one of Hot" in row

    # With htmx: the lead's rows, with what was typed kept and the field focused.
    empty = client.post(f"/leads/{lead_id}/notes", data={"body": "   "}, headers=hx)
    assert empty.status_code == 422 and "write the note" in empty.text
    assert f'id="lead-notes-{lead_id}" open' in empty.text
    stranger = client.post(
        f"/leads/{lead_id}/owner", data={"owner_id": str(world.other_org_olga.id)}, headers=hx
    )
    assert stranger.status_code == 422 and "in this org" in stranger.text
    untitled = client.post(
        f"/leads/{lead_id}/tasks", data={"title": "", "due_at": "2026-11-30T09:30"}, headers=hx
    )
    assert untitled.status_code == 422 and "say what to do" in untitled.text
    assert f'aria-describedby="lead-task-title-{lead_id}-problem" autofocus>' in untitled.text
    assert untitled.text.count("autofocus") == 1  # the title, where the problem is
    assert 'value="2026-11-30T09:30"' in untitled.text  # what was typed is kept
    bad_due = client.post(
        f"/leads/{lead_id}/tasks", data={"title": "Call", "due_at": "Monday"}, headers=hx
    )
    assert bad_due.status_code == 422 and "a date and time" in bad_due.text
    assert 'value="Call"' in bad_due.text
    bad_team = client.post(
        f"/leads/{lead_id}/tasks", data={"title": "Call", "team": "astronauts"}, headers=hx
    )
    assert bad_team.status_code == 422 and "no team &#39;astronauts&#39;" in bad_team.text

    with transaction(session_factory) as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None and (lead.stage, lead.owner_id) == ("Hot", None)
        assert s.scalars(select(LeadNote)).first() is None
        assert s.scalars(select(Task)).first() is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("stage", {"stage": "Warm"}),
        ("owner", {"owner_id": ""}),
        ("notes", {"body": "not yours"}),
        ("tasks", {"title": "not yours"}),
    ],
)
def test_another_orgs_lead_is_404_on_each_page_route(
    client: TestClient,
    session_factory: sessionmaker[Session],
    world: World,
    path: str,
    data: dict[str, str],
) -> None:
    lead_id = _lead(session_factory, "rondesse")
    login(client, world.other_org_olga)
    token = _token(client)
    for headers in ({}, _htmx(token)):
        answer = client.post(
            f"/leads/{lead_id}/{path}", data={**data, "csrf_token": token}, headers=headers
        )
        assert answer.status_code == 404, (path, headers)
        assert "Jo Doe" not in answer.text
    missing = client.post("/leads/999999/notes", data={"body": "x", "csrf_token": token})
    assert missing.status_code == 404
    with transaction(session_factory) as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None and (lead.stage, lead.owner_id) == ("Hot", None)
        assert s.scalars(select(LeadNote)).first() is None
        assert s.scalars(select(Task)).first() is None
