"""CRM queries: account search, an account's history, leads by stage, tasks by whose they are,
and closing a task; never another org's rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.crm import records
from sopdesk.crm import service as crm
from sopdesk.crm.models import Account, AuditEntry, CallLog, Lead, Note, Task
from sopdesk.db import transaction
from web_helpers import NOW


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    world = build_world(session_factory)
    with transaction(session_factory) as s:
        s.add_all(
            [
                Account(
                    org_id="rondesse", name="Jordan Pike", phone="+16175550123", created_at=NOW
                ),
                Account(org_id="rondesse", name="100% Legit_Co", created_at=NOW),
                Account(
                    org_id="myoperator", name="Dee Carter Pvt", phone="+14155552671", created_at=NOW
                ),
            ]
        )
    return world


def _task(org: str, title: str, **kw: object) -> Task:
    return Task(org_id=org, title=title, due_at=NOW + timedelta(hours=1), created_at=NOW, **kw)


def test_search_by_name_part_or_phone_digits_within_the_org(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with session_factory() as s:
        names = lambda q: [a.name for a in crm.search_accounts(s, "rondesse", q)]  # noqa: E731
        assert names("carter") == ["Dee Carter"]  # not MyOperator's "Dee Carter Pvt"
        assert names("415 555") == ["Dee Carter"]
        assert names("(617) 555-0123") == ["Jordan Pike"]
        assert names("") == ["100% Legit_Co", "Dee Carter", "Jordan Pike"]
        # LIKE wildcards typed by a person are text, not patterns.
        assert names("%") == ["100% Legit_Co"] and names("t_c") == ["100% Legit_Co"]
        assert names("nobody") == []


def test_accounts_for_the_callers_number_ignore_formatting(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with session_factory() as s:
        found = crm.accounts_for_number(s, "rondesse", "+1 (415) 555-2671")
        assert [a.id for a in found] == [world.account_id]
        assert crm.accounts_for_number(s, "rondesse", None) == []
        assert crm.accounts_for_number(s, "rondesse", "12") == []


def test_account_detail_has_its_history_and_nothing_else(
    session_factory: sessionmaker[Session], world: World
) -> None:
    aid = world.account_id
    with transaction(session_factory) as s:
        other = Account(org_id="rondesse", name="Other", created_at=NOW)
        s.add(other)
        s.flush()
        s.add_all(
            [
                Note(org_id="rondesse", account_id=aid, author="Ana", body="old", created_at=NOW),
                Note(
                    org_id="rondesse",
                    account_id=aid,
                    author="Ana",
                    body="new",
                    created_at=NOW + timedelta(minutes=5),
                ),
                Note(org_id="rondesse", account_id=other.id, author="Bo", body="x", created_at=NOW),
                CallLog(
                    org_id="rondesse",
                    interaction_id=7,
                    account_id=aid,
                    line="psos",
                    urgency="highest",
                    agent_name="Ana Reyes",
                    started_at=NOW,
                    ended_at=NOW + timedelta(minutes=3),
                    duration_seconds=180,
                    playbook_version="v1",
                ),
                Lead(
                    org_id="rondesse",
                    account_id=aid,
                    stage="Hot",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                _task("rondesse", "call back", account_id=aid),
                _task("rondesse", "elsewhere", account_id=other.id),
            ]
        )
    with session_factory() as s:
        detail = crm.account_detail(s, "rondesse", aid)
        assert detail is not None and detail.account.name == "Dee Carter"
        assert [n.body for n in detail.notes] == ["new", "old"]
        assert [c.duration_seconds for c in detail.calls] == [180]
        assert [lead.stage for lead in detail.leads] == ["Hot"]
        assert [t.title for t in detail.tasks] == ["call back"]
        assert crm.account_detail(s, "myoperator", aid) is None
        assert crm.get_account(s, "myoperator", aid) is None


def test_leads_by_stage_any_case_and_stage_counts(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        for org, name, stage in [
            ("rondesse", "Jo", "Hot"),
            ("rondesse", "Al", "Hot"),
            ("rondesse", "Cy", "Cold"),
            ("myoperator", "Mo", "Hot"),
        ]:
            s.add(Lead(org_id=org, name=name, stage=stage, created_at=NOW, updated_at=NOW))
    with session_factory() as s:
        assert sorted(lead.name or "" for lead in crm.leads(s, "rondesse", "hot")) == ["Al", "Jo"]
        assert len(crm.leads(s, "rondesse")) == 3
        assert crm.lead_stages(s, "rondesse") == [("Hot", 2), ("Cold", 1)]


def test_tasks_mine_my_teams_and_all(session_factory: sessionmaker[Session], world: World) -> None:
    with transaction(session_factory) as s:
        s.add_all(
            [
                _task("rondesse", "ana's", assignee_id=world.agent_ana.id),
                _task("rondesse", "lawyers'", team="lawyers"),
                _task("rondesse", "analysts'", team="business_analysts"),
                _task("rondesse", "done", team="lawyers", status="done"),
                _task("myoperator", "legal", team="lawyers"),
            ]
        )
    with session_factory() as s:
        titles = lambda user, scope, **kw: sorted(  # noqa: E731
            t.title for t in crm.tasks(s, user, scope, **kw)
        )
        assert titles(world.agent_ana, crm.TaskScope.MINE) == ["ana's"]
        assert titles(world.lawyer_lee, crm.TaskScope.TEAM) == ["lawyers'"]
        assert titles(world.lawyer_lee, crm.TaskScope.TEAM, include_done=True) == [
            "done",
            "lawyers'",
        ]
        assert titles(world.agent_ana, crm.TaskScope.TEAM) == []  # no team: nobody's tasks
        assert titles(world.supervisor_sam, crm.TaskScope.ALL) == ["ana's", "analysts'", "lawyers'"]


def test_the_task_list_opens_on_my_teams_tasks_everyones_for_a_supervisor_or_else_mine(
    world: World,
) -> None:
    assert crm.default_task_scope(world.lawyer_lee) is crm.TaskScope.TEAM
    assert crm.default_task_scope(world.agent_ana) is crm.TaskScope.MINE
    # A supervisor oversees every team: a missed call's call-back is nobody's own task yet.
    assert crm.default_task_scope(world.supervisor_sam) is crm.TaskScope.ALL


def test_create_account_adds_the_row_to_the_callers_transaction(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        account = records.create_account(
            s, org_id="myoperator", name="Ravi Shah", now=NOW, phone="+919820012345"
        )
        s.flush()
        account_id = account.id
    with session_factory() as s:
        row = s.get(Account, account_id)
        assert row is not None
        assert (row.org_id, row.name, row.paid, row.phone, row.email, row.created_at) == (
            "myoperator",
            "Ravi Shah",
            False,
            "+919820012345",
            None,
            NOW,
        )
        assert [a.name for a in crm.accounts_for_number(s, "myoperator", "+91 98200 12345")] == [
            "Ravi Shah"
        ]


def test_closing_a_task_is_for_its_assignee_team_or_a_supervisor(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        mine = _task("rondesse", "ana's", assignee_id=world.agent_ana.id)
        legal = _task("rondesse", "lawyers'", team="lawyers")
        s.add_all([mine, legal])
        s.flush()
        ids = (mine.id, legal.id)
    later = NOW + timedelta(minutes=9)
    with transaction(session_factory) as s:
        with pytest.raises(crm.CrmError) as refused:
            crm.complete_task(s, world.agent_bo, ids[0], later)
        assert refused.value.status == 403
        with pytest.raises(crm.CrmError) as hidden:
            crm.complete_task(s, world.other_org_olga, ids[1], later)
        assert hidden.value.status == 404
        assert crm.complete_task(s, world.agent_ana, ids[0], later).done_at == later
        assert crm.complete_task(s, world.lawyer_lee, ids[1], later).status == "done"
        again = crm.complete_task(s, world.lawyer_lee, ids[1], later + timedelta(hours=1))
        assert again.done_at == later  # done twice is done once
    with session_factory() as s:
        actions = s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "task.done"))
        assert sorted(actions) == ["ana@rondesse.example", "lee@rondesse.example"]
        assert crm.user_names(s, "rondesse", {world.agent_ana.id, world.agent_priya.id}) == {
            world.agent_ana.id: "Ana Reyes"
        }
