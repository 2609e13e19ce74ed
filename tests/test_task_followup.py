"""Team follow-up in the CRM service: tasks claimed, given to a colleague, commented and closed
with an outcome; who may, what is audited, what goes live; overdue labels and reach links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder
from personas import T0, World, build_world
from sopdesk.crm import records, tasks
from sopdesk.crm.models import AuditEntry, Contact, Task
from sopdesk.crm.service import CrmError, TaskScope, complete_task
from sopdesk.db import transaction
from sopdesk.events import bind_bus
from sopdesk.orgs import service as orgs
from sopdesk.orgs.models import Role, User

INTAKE = {
    "officer_names": "Det. Maria Lopez",
    "badge_number": "NYPD-4471",
    "phone": "+1 212 555 0188",
    "email": "m.lopez@nypd.example",
}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def bus(session_factory: sessionmaker[Session]) -> Recorder:
    recorder = Recorder()
    bind_bus(session_factory, recorder)
    return recorder


@pytest.fixture
def kim(session_factory: sessionmaker[Session], world: World) -> User:
    """A second lawyer, to hand tasks to."""
    with transaction(session_factory) as s:
        return orgs.create_user(
            s,
            org_id="rondesse",
            email="kim@rondesse.example",
            name="Kim Sato",
            role=Role.TEAM,
            password="sopdesk-demo-1",
            now=T0,
            team="lawyers",
        )


def _task(factory: sessionmaker[Session], world: World, **kw: object) -> int:
    with transaction(factory) as s:
        task = records.write_task(
            s,
            org_id="rondesse",
            title="Lawyer to reach out to the law enforcement caller",
            due_at=T0 + timedelta(hours=1),
            now=T0,
            team="lawyers",
            account_id=world.account_id,
            intake=INTAKE,
            **kw,  # type: ignore[arg-type]
        )
        s.flush()
        return task.id


def _audits(factory: sessionmaker[Session], task_id: int) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    with factory() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "task", AuditEntry.object_id == str(task_id))
            .order_by(AuditEntry.id)
        )
        return [(a.action, a.actor, dict(a.detail)) for a in rows]


def _refused(factory: sessionmaker[Session], status: int, change) -> CrmError:  # type: ignore[no-untyped-def]
    with pytest.raises(CrmError) as refused, transaction(factory) as s:
        change(s)
    assert refused.value.status == status, refused.value
    return refused.value


def test_a_written_task_is_announced_after_the_commit_only(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    with pytest.raises(RuntimeError), transaction(session_factory) as s:
        records.write_task(s, org_id="rondesse", title="x", due_at=T0, now=T0, team="lawyers")
        raise RuntimeError("rolled back")
    assert bus.events == []
    _task(session_factory, world)
    [event] = bus.events
    assert (event.org_id, event.kind) == ("rondesse", "task.created")
    assert event.data["team"] == "lawyers"


def test_claim_is_for_the_team_and_supervisors_and_is_audited(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    task_id = _task(session_factory, world)
    bus.events.clear()
    f = session_factory
    error = _refused(f, 403, lambda s: tasks.claim(s, world.agent_bo, task_id, T0))
    assert error.code == "forbidden" and error.field == "task"
    _refused(f, 404, lambda s: tasks.claim(s, world.other_org_olga, task_id, T0))
    with transaction(f) as s:
        assert tasks.claim(s, world.lawyer_lee, task_id, T0).assignee_id == world.lawyer_lee.id
    with transaction(f) as s:
        tasks.claim(s, world.lawyer_lee, task_id, T0)  # already his: nothing changes
    with transaction(f) as s:
        taken = tasks.claim(s, world.supervisor_sam, task_id, T0 + timedelta(minutes=1))
        assert taken.assignee_id == world.supervisor_sam.id
    assert [(a, who, d["before"], d["assignee_id"]) for a, who, d in _audits(f, task_id)] == [
        ("task.claimed", world.lawyer_lee.email, None, world.lawyer_lee.id),
        ("task.claimed", world.supervisor_sam.email, world.lawyer_lee.id, world.supervisor_sam.id),
    ]
    assert [(e.kind, e.data["id"], e.data["by"], e.data["change"]) for e in bus.events] == [
        ("task.updated", task_id, world.lawyer_lee.id, "claimed"),
        ("task.updated", task_id, world.supervisor_sam.id, "claimed"),
    ]


def test_a_task_goes_only_to_a_member_of_its_team(
    session_factory: sessionmaker[Session], world: World, kim: User, bus: Recorder
) -> None:
    task_id = _task(session_factory, world)
    f = session_factory
    _refused(f, 403, lambda s: tasks.assign(s, world.agent_bo, task_id, kim.id, T0))
    error = _refused(
        f, 422, lambda s: tasks.assign(s, world.lawyer_lee, task_id, world.agent_ana.id, T0)
    )
    assert error.field == "user_id" and "Ana Reyes is not a member" in error.message
    foreign = world.other_org_olga.id
    _refused(f, 422, lambda s: tasks.assign(s, world.lawyer_lee, task_id, foreign, T0))
    with transaction(f) as s:
        assert tasks.assign(s, world.lawyer_lee, task_id, kim.id, T0).assignee_id == kim.id
        task = s.get(Task, task_id)
        assert task is not None
        assert [u.name for u in tasks.assignable(s, task)] == ["Kim Sato", "Lee Park"]
    [(action, actor, detail)] = _audits(f, task_id)
    assert (action, actor, detail["assignee_id"]) == (
        "task.assigned",
        world.lawyer_lee.email,
        kim.id,
    )


def test_the_comment_thread(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    task_id = _task(session_factory, world)
    f = session_factory
    _refused(f, 403, lambda s: tasks.comment(s, world.agent_bo, task_id, "hi", T0))
    error = _refused(f, 422, lambda s: tasks.comment(s, world.lawyer_lee, task_id, "  ", T0))
    assert error.field == "body"
    with transaction(f) as s:
        tasks.comment(s, world.lawyer_lee, task_id, "Left a voicemail", T0)
        tasks.comment(
            s, world.supervisor_sam, task_id, "Try her desk line", T0 + timedelta(minutes=5)
        )
    with f() as s:
        # Anyone of the org may read the thread; another org's task is not found.
        thread = tasks.comments(s, world.agent_bo, task_id)
        assert [(c.author, c.body) for c in thread] == [
            ("Lee Park", "Left a voicemail"),
            ("Sam Ortiz", "Try her desk line"),
        ]
        with pytest.raises(CrmError) as missing:
            tasks.comments(s, world.other_org_olga, task_id)
        assert missing.value.status == 404
    audits = _audits(f, task_id)
    assert [a for a, _, _ in audits] == ["task.commented", "task.commented"]
    assert audits[0][2]["comment_id"] == thread[0].id


def test_closing_with_an_outcome_then_the_task_stays_closed(
    session_factory: sessionmaker[Session], world: World, kim: User, bus: Recorder
) -> None:
    task_id = _task(session_factory, world)
    f = session_factory
    done_at = T0 + timedelta(hours=3)
    _refused(f, 403, lambda s: tasks.close(s, world.agent_bo, task_id, "Called", done_at))
    error = _refused(f, 422, lambda s: tasks.close(s, world.lawyer_lee, task_id, " ", done_at))
    assert error.field == "outcome"
    long = "x" * (tasks.OUTCOME_MAX + 1)
    _refused(f, 422, lambda s: tasks.close(s, world.lawyer_lee, task_id, long, done_at))
    bus.events.clear()
    with transaction(f) as s:
        closed = tasks.close(
            s,
            world.lawyer_lee,
            task_id,
            "Spoke to Det. Lopez; records request goes through counsel",
            done_at,
            code=tasks.OutcomeCode.RESOLVED,
            note="She will email the subpoena.",
        )
        assert (closed.status, closed.done_at, closed.outcome_code) == ("done", done_at, "resolved")
    with f() as s:
        assert [c.body for c in tasks.comments(s, world.lawyer_lee, task_id)] == [
            "She will email the subpoena."
        ]
    [(action, actor, detail)] = _audits(f, task_id)
    assert (action, actor) == ("task.closed", world.lawyer_lee.email)
    assert detail["outcome_code"] == "resolved" and detail["note"] == "She will email the subpoena."
    assert [(e.kind, e.data["status"], e.data["change"]) for e in bus.events] == [
        ("task.updated", "done", "closed")
    ]
    for change in (
        lambda s: tasks.close(s, world.lawyer_lee, task_id, "again", done_at),
        lambda s: tasks.claim(s, world.lawyer_lee, task_id, done_at),
        lambda s: tasks.assign(s, world.lawyer_lee, task_id, kim.id, done_at),
        lambda s: tasks.comment(s, world.lawyer_lee, task_id, "late", done_at),
    ):
        assert _refused(f, 409, change).code == "conflict"
    with transaction(f) as s:  # marking done a closed task stays a no-op, as before
        assert complete_task(s, world.lawyer_lee, task_id, done_at).outcome_code == "resolved"


def test_overdue_labels_come_from_now() -> None:
    task = Task(org_id="o", title="t", due_at=T0, status="open", data={})
    assert tasks.overdue_by(task, T0) is None
    assert tasks.overdue_by(task, T0 - timedelta(hours=1)) is None
    late = tasks.overdue_by(task, T0 + timedelta(hours=2))
    assert late == timedelta(hours=2) and tasks.late_text(late) == "Overdue by 2h"
    assert tasks.late_text(timedelta(minutes=6, seconds=30)) == "Overdue by 6m"
    assert tasks.late_text(timedelta(hours=2, minutes=5)) == "Overdue by 2h 5m"
    assert tasks.late_text(timedelta(days=1, hours=3, minutes=2)) == "Overdue by 1d 3h"
    assert tasks.late_text(timedelta(seconds=20)) == "Overdue by under a minute"
    task.status = "done"
    assert tasks.overdue_by(task, T0 + timedelta(hours=2)) is None


def test_cards_link_the_callers_phone_and_email_and_say_what_the_viewer_may_do(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    task_id = _task(session_factory, world)
    with transaction(session_factory) as s:
        s.add(
            Contact(
                org_id="rondesse",
                account_id=world.account_id,
                name="Dee's assistant",
                phone="+1 415 555 0000",
                email="assist@example.com",
                created_at=T0,
            )
        )
    late = T0 + timedelta(hours=3)
    with session_factory() as s:
        task = s.get(Task, task_id)
        assert task is not None
        [lee] = tasks.task_cards(s, world.lawyer_lee, [task], late)
        [bo] = tasks.task_cards(s, world.agent_bo, [task], late)
    assert lee.overdue == "Overdue by 2h"
    assert {k: link.href for k, link in lee.intake_links.items()} == {
        "phone": "tel:+12125550188",
        "email": "mailto:m.lopez@nypd.example",
    }  # the badge number is no phone number
    assert [(link.href, link.whose) for link in lee.account_links] == [
        ("tel:+14155552671", "Dee Carter"),
        ("mailto:dee@example.com", "Dee Carter"),
        ("tel:+14155550000", "Dee's assistant"),
        ("mailto:assist@example.com", "Dee's assistant"),
    ]
    assert (lee.can_claim, lee.can_assign, lee.can_close) == (True, True, True)
    assert lee.members == [(world.lawyer_lee.id, "Lee Park")]
    assert (bo.can_claim, bo.can_assign, bo.can_close, bo.members) == (False, False, False, [])


def test_team_members_work_from_their_tasks(world: World) -> None:
    assert tasks.works_from_tasks(world.lawyer_lee)
    assert tasks.home_scope(world.lawyer_lee) is TaskScope.TEAM
    assert not tasks.works_from_tasks(world.agent_ana)
    assert not tasks.works_from_tasks(world.supervisor_sam)
