"""One rule for times on every page (issue 10): what a person reads is in their org's zone,
labelled, with UTC in the `<time>` element; what a person types is read in that zone and
stored in UTC. Rondesse is in New York (EST in November), MyOperator in Kolkata (IST)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm import records
from sopdesk.crm.models import Task
from sopdesk.db import transaction
from sopdesk.escalations.models import Ticket
from sopdesk.orgs.service import org_zone
from web_helpers import TestClock, csrf_from, login, make_app

# T0 is 25 Nov 2026 15:00 UTC, 10:00 in New York; the task is due at 17:00 there.
DUE = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
DUE_TITLE = "Wed 25 Nov 2026 17:00:00 EST (America/New_York) · 2026-11-25 22:00:00 UTC"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World, clock: TestClock) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, clock)) as c:
        yield c


def _task(factory: sessionmaker[Session], org_id: str, assignee_id: int, title: str) -> None:
    with transaction(factory) as s:
        records.write_task(
            s, org_id=org_id, title=title, due_at=DUE, now=T0, assignee_id=assignee_id
        )


def _row(html: str, task_title: str) -> str:
    match = re.search(rf'<tr id="task-\d+".*?{task_title}.*?</tr>', html, re.S)
    assert match, f"no row for {task_title}"
    return match.group(0)


def test_the_org_zone_is_its_playbooks_and_utc_without_one(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with session_factory() as s:
        assert org_zone(s, "rondesse").key == "America/New_York"
        assert org_zone(s, "myoperator").key == "Asia/Kolkata"
        assert org_zone(s, "no-such-org").key == "UTC"


def test_a_task_due_at_22_utc_shows_as_17_est_on_the_tasks_page(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    _task(session_factory, "rondesse", world.agent_ana.id, "Call Dee back")
    login(client, world.agent_ana)
    row = _row(client.get("/tasks").text, "Call Dee back")
    assert 'datetime="2026-11-25T22:00:00+00:00"' in row
    assert f'title="due {DUE_TITLE}"' in row
    assert re.search(r">in (7h 00m|6h 59m)</time>", row)  # how long is left, by the test clock
    assert '<span class="due__at muted">25 Nov 17:00 EST</span>' in row
    assert "22:00" not in row.replace("T22:00:00+00:00", "").replace("22:00:00 UTC", "")


def test_an_overdue_task_shows_when_it_was_due_in_the_zone(
    client: TestClient, session_factory: sessionmaker[Session], world: World, clock: TestClock
) -> None:
    _task(session_factory, "rondesse", world.agent_ana.id, "Call Dee back")
    clock.set(DUE + timedelta(hours=2))
    login(client, world.agent_ana)
    row = _row(client.get("/tasks").text, "Call Dee back")
    assert "Overdue by 2h" in row and f'title="due {DUE_TITLE}"' in row
    assert '<span class="due__at muted">25 Nov 17:00 EST</span>' in row


def test_a_ticket_due_at_22_utc_shows_as_17_est_on_the_ticket_page(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        ticket = Ticket(
            org_id="rondesse",
            team="lawyers",
            subject="Subpoena for records",
            channel="desk",
            received_at=T0,
            sla_due_at=DUE,
            sla_state="running",
            updated_at=T0,
        )
        s.add(ticket)
        s.flush()
        ticket_id = ticket.id
    login(client, world.supervisor_sam)  # the lawyers' ticket: their team's and supervisors'
    page = client.get(f"/tickets/{ticket_id}").text
    due = re.search(r"<dt>Answer due</dt><dd>(.*?)</dd>", page, re.S)
    assert due, "no answer-due time"
    assert due.group(1) == (
        f'<time datetime="2026-11-25T22:00:00+00:00" title="{DUE_TITLE}">'
        "Wed 25 Nov 2026 17:00 EST</time>"
    )
    assert "Times in America/New_York (EST)." in page
    assert "Wed 25 Nov 2026 10:00 EST" in page  # received at T0
    board = client.get("/tickets", params={"team": ""}).text
    assert "25 Nov 17:00 EST</time>" in board and "Times in America/New_York (EST)." in board
    login(client, world.other_org_olga)  # another org's ticket stays out of reach
    assert client.get(f"/tickets/{ticket_id}").status_code == 404


def test_each_org_reads_its_own_zone(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    _task(session_factory, "myoperator", world.agent_priya.id, "Call Ravi back")
    login(client, world.agent_priya)
    page = client.get("/tasks").text
    row = _row(page, "Call Ravi back")
    assert '<span class="due__at muted">26 Nov 03:30 IST</span>' in row  # +05:30
    assert "Call Dee back" not in page
    # The presence timer's title is in Kolkata too (T0 is 20:30 there); the timer still counts.
    control = client.get("/presence/control").text
    title = r"since Wed 25 Nov 2026 20:30:0\d IST \(Asia/Kolkata\) · 2026-11-25 15:00:0\d UTC"
    assert re.search(rf'data-since="2026-11-25T15:00:0\d\+00:00"\s+title="{title}">', control)


def test_a_due_time_typed_as_17_00_is_stored_as_22_00_utc(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        lead = records.write_lead(
            s,
            org_id="rondesse",
            stage="Hot",
            name="Jo Doe",
            phone="+12125550100",
            line="main",
            now=T0,
        )
        s.flush()
        lead_id = lead.id
    login(client, world.agent_ana)
    page = client.get("/leads").text
    # The form offers a day from now, in New York, and says which zone it reads.
    assert f'id="lead-task-due-{lead_id}" name="due_at" type="datetime-local" ' in page
    assert 'value="2026-11-26T10:00"' in page
    assert 'Due <span class="muted">· America/New_York (EST)</span>' in page
    answer = client.post(
        f"/leads/{lead_id}/tasks",
        data={"title": "Call Jo back", "due_at": "2026-11-25T17:00"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page)},
    )
    assert answer.status_code == 200
    assert "25 Nov 17:00 EST" in answer.text  # shown back as typed, labelled
    with session_factory() as s:
        task = s.scalars(select(Task).where(Task.title == "Call Jo back")).one()
        assert task.due_at == DUE
