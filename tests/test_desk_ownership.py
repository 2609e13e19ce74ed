"""Ownership of a call (issue 9, item 2): one owner from accept to wrap-up. Only the owner
documents it; anyone else is refused (409) with the owner's name; a call nobody took cannot be
documented or wrapped up; the owner releases or transfers it; a supervisor takes it over; every
change of hands is audited; one open call per person unless the org allows more; a take race
has one winner and the loser is told who. Run on SQLite and on PostgreSQL
(SOPDESK_TEST_DATABASE_URL)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm.models import AuditEntry
from sopdesk.db import transaction
from sopdesk.desk import service
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import progress_of
from sopdesk.desk.wrapup import wrap_up
from sopdesk.kb.service import Catalog
from sopdesk.orgs.models import Org, User

Action = Callable[[Session, User, int], object]

# Every way of changing a call, each with arguments that would be accepted from its owner.
CHANGES: dict[str, Action] = {
    "step": lambda s, u, i: service.set_step(s, u, i, "greet", True, T0),
    "answer": lambda s, u, i: service.choose(
        s, u, i, "outcome", "No, not converted (add as a Hot lead)", T0
    ),
    "outcome": lambda s, u, i: service.set_outcome(s, u, i, True, T0),
    "scenario": lambda s, u, i: service.record_scenario(s, u, i, "crypto", {}, [], T0),
    "escalation": lambda s, u, i: service.record_escalation(
        s, u, i, "p", "t", [], True, Catalog(s), T0
    ),
    "faq": lambda s, u, i: service.record_faq_tried(s, u, i, "faq", Catalog(s), T0),
    "account": lambda s, u, i: service.link_account(s, u, i, 1, T0),
    "summary": lambda s, u, i: service.set_summary(s, u, i, "notes", T0),
    "release": lambda s, u, i: service.release(s, u, i, T0),
    "transfer to a team": lambda s, u, i: service.transfer_to_team(s, u, i, "lawyers", T0),
    "wrap-up": lambda s, u, i: wrap_up(s, u, i, T0),
}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def ring(
    factory: sessionmaker[Session], external_id: str, label: str = "Rondesse Main Number"
) -> int:
    call = CallIn(org_id="rondesse", at=T0, label=label, external_id=external_id)
    with transaction(factory) as s:
        return receive_call(s, call, T0).id


def refusal(factory: sessionmaker[Session], change: Callable[[Session], object]) -> DeskError:
    with transaction(factory) as s, pytest.raises(DeskError) as refused:
        change(s)
    return refused.value


def owner_of(factory: sessionmaker[Session], iid: int) -> tuple[int | None, str | None]:
    with factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None
        return i.agent_id, i.agent_name


def hands(factory: sessionmaker[Session], iid: int) -> list[tuple[str, str, Any]]:
    """(action, actor, detail) of the call's audit entries about its hands."""
    with factory() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_id == str(iid), AuditEntry.action.like("interaction.%"))
            .where(AuditEntry.action != "interaction.rang")
            .order_by(AuditEntry.id)
        )
        return [(r.action, r.actor, r.detail) for r in rows]


def test_only_the_owner_changes_the_call(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-1")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
    for name, change in CHANGES.items():
        for other in (world.agent_bo, world.supervisor_sam):
            error = refusal(session_factory, lambda s: change(s, other, iid))  # noqa: B023
            assert (error.status, error.code) == (409, "taken"), name
            assert error.message == "Ana Reyes has this call", name
    # Bo taking it is the take race's answer, kept as it was.
    error = refusal(session_factory, lambda s: service.accept(s, world.agent_bo, iid, T0))
    assert (error.status, error.code, error.message) == (
        409,
        "taken",
        "Ana Reyes already has this call",
    )
    assert owner_of(session_factory, iid) == (world.agent_ana.id, "Ana Reyes")
    with transaction(session_factory) as s:  # the owner still can
        service.set_step(s, world.agent_ana, iid, "greet", True, T0)
        assert progress_of(service.access_interaction(s, world.agent_ana, iid)).completed_steps == [
            "greet"
        ]


def test_a_call_nobody_has_taken_is_neither_documented_nor_wrapped_up(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-2")
    for name, change in CHANGES.items():
        error = refusal(session_factory, lambda s: change(s, world.agent_ana, iid))  # noqa: B023
        assert (error.status, error.code) == (409, "not_accepted"), name
        assert "nobody has taken this call yet" in error.message, name
    with session_factory() as s:
        call = s.get(Interaction, iid)
        assert call is not None and call.state == "ringing" and call.progress in ({}, None)
    assert hands(session_factory, iid) == []


def test_the_owner_releases_the_call_to_the_queue_with_its_documentation(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-3")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
        service.set_step(s, world.agent_ana, iid, "greet", True, T0)
        service.release(s, world.agent_ana, iid, T0)
    assert owner_of(session_factory, iid) == (None, None)
    with session_factory() as s:
        assert iid in [i.id for i in service.queue(s, "rondesse")]
    with transaction(session_factory) as s:
        bo_call = service.accept(s, world.agent_bo, iid, T0)
        assert bo_call.state == "active" and "greet" in progress_of(bo_call).completed_steps
    ana = {"user_id": world.agent_ana.id, "name": "Ana Reyes"}
    bo = {"user_id": world.agent_bo.id, "name": "Bo Lind"}
    assert hands(session_factory, iid) == [
        ("interaction.accepted", "ana@rondesse.example", {"from": None, "to": ana}),
        ("interaction.released", "ana@rondesse.example", {"from": ana, "to": None}),
        ("interaction.accepted", "bo@rondesse.example", {"from": None, "to": bo}),
    ]


def test_the_owner_transfers_the_call_to_another_agent(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-4")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
        service.transfer_to_user(s, world.agent_ana, iid, world.agent_bo.id, T0)
    assert owner_of(session_factory, iid) == (world.agent_bo.id, "Bo Lind")
    error = refusal(
        session_factory, lambda s: service.set_summary(s, world.agent_ana, iid, "x", T0)
    )
    assert (error.status, error.message) == (409, "Bo Lind has this call")
    with transaction(session_factory) as s:
        service.set_summary(s, world.agent_bo, iid, "Bo carries on", T0)
    action, actor, detail = hands(session_factory, iid)[-1]
    assert (action, actor) == ("interaction.transferred", "ana@rondesse.example")
    assert detail == {
        "from": {"user_id": world.agent_ana.id, "name": "Ana Reyes"},
        "to": {"user_id": world.agent_bo.id, "name": "Bo Lind"},
    }


def test_a_transfer_to_someone_who_cannot_take_it_is_refused(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-5")
    busy = ring(session_factory, "own-5b")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
        service.accept(s, world.agent_bo, busy, T0)

    def to(user: User) -> DeskError:
        return refusal(
            session_factory,
            lambda s: service.transfer_to_user(s, world.agent_ana, iid, user.id, T0),
        )

    assert (to(world.lawyer_lee).status, to(world.lawyer_lee).message) == (
        422,
        "Lee Park does not take calls",
    )
    assert to(world.agent_priya).status == 422  # another org's person is nobody here
    assert to(world.agent_ana).status == 422  # already hers
    taken = to(world.agent_bo)
    assert (taken.status, taken.code) == (409, "busy")
    assert taken.message.startswith(
        f"Bo Lind already has call #{busy} (Main Hotline, unknown caller) open"
    )
    team = refusal(
        session_factory, lambda s: service.transfer_to_team(s, world.agent_ana, iid, "nope", T0)
    )
    assert team.status == 422 and team.fields[0].field == "to_team"
    assert owner_of(session_factory, iid) == (world.agent_ana.id, "Ana Reyes")


def test_a_team_transfer_waits_in_the_queue_marked_for_the_team(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-6", label="Rondesse PSOS")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
        service.transfer_to_team(s, world.agent_ana, iid, "lawyers", T0)
    with session_factory() as s:
        queued = {i.id: i for i in service.queue(s, "rondesse")}
        assert queued[iid].queue_team == "lawyers" and queued[iid].agent_id is None
    with transaction(session_factory) as s:
        assert service.accept(s, world.agent_bo, iid, T0).queue_team is None
    transferred, accepted = hands(session_factory, iid)[-2:]
    assert transferred[0] == "interaction.transferred"
    assert transferred[2]["to"] is None and transferred[2]["to_team"] == "lawyers"
    assert accepted[0] == "interaction.accepted" and accepted[2]["queue_team"] == "lawyers"


def test_a_supervisor_takes_the_call_over_explicitly(
    session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "own-7")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
        service.set_step(s, world.agent_ana, iid, "greet", True, T0)
    agent = refusal(session_factory, lambda s: service.takeover(s, world.agent_bo, iid, T0))
    assert agent.status == 403
    with transaction(session_factory) as s:
        service.takeover(s, world.supervisor_sam, iid, T0)
    assert owner_of(session_factory, iid) == (world.supervisor_sam.id, "Sam Ortiz")
    wrap = refusal(session_factory, lambda s: wrap_up(s, world.agent_ana, iid, T0))
    assert (wrap.status, wrap.message) == (409, "Sam Ortiz has this call")
    action, actor, detail = hands(session_factory, iid)[-1]
    assert (action, actor) == ("interaction.taken_over", "sam@rondesse.example")
    assert detail["from"] == {"user_id": world.agent_ana.id, "name": "Ana Reyes"}
    assert detail["to"] == {"user_id": world.supervisor_sam.id, "name": "Sam Ortiz"}
    with transaction(session_factory) as s:
        service.set_outcome(s, world.supervisor_sam, iid, True, T0)
        service.set_step(s, world.supervisor_sam, iid, "probe", True, T0)
    with transaction(session_factory) as s:
        assert not wrap_up(s, world.supervisor_sam, iid, T0).already_closed


def test_one_open_call_per_agent_unless_the_org_allows_more(
    session_factory: sessionmaker[Session], world: World
) -> None:
    first, second, third = (ring(session_factory, f"own-8{n}") for n in "abc")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, first, T0)
    busy = refusal(session_factory, lambda s: service.accept(s, world.agent_ana, second, T0))
    assert (busy.status, busy.code) == (409, "busy")
    assert f"you already have call #{first} (Main Hotline, unknown caller) open" in busy.message
    assert owner_of(session_factory, second) == (None, None)
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, first, T0)  # her own call again: no change
        org = s.get(Org, "rondesse")
        assert org is not None and org.max_active_calls == 1  # the default
        org.max_active_calls = 2
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, second, T0)
    assert (
        refusal(session_factory, lambda s: service.accept(s, world.agent_ana, third, T0)).code
        == "busy"
    )
    with transaction(session_factory) as s:
        service.release(s, world.agent_ana, first, T0)
        service.accept(s, world.agent_ana, third, T0)  # room again


def race(factory: sessionmaker[Session], *attempts: Callable[[Session], object]) -> list[Any]:
    """Run the attempts at once, each in its own thread, session and transaction."""
    results: list[Any] = [None] * len(attempts)
    start = threading.Barrier(len(attempts))

    def run(n: int) -> None:
        start.wait()
        try:
            with transaction(factory) as s:
                results[n] = attempts[n](s)
        except DeskError as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(attempts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_agents_race_for_a_call_and_the_loser_is_told_who_has_it(
    session_factory: sessionmaker[Session], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = ring(session_factory, "own-9")
    # Both read the call as nobody's before either claims it (where the databases let them:
    # SQLite holds one writer at a time, so there the second simply waits its turn).
    both_read = threading.Barrier(2)
    check = service._check_room_for

    def after_both_read(*args: Any, **kwargs: Any) -> None:
        check(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=2)

    monkeypatch.setattr(service, "_check_room_for", after_both_read)
    results = race(
        session_factory,
        lambda s: service.accept(s, world.agent_ana, iid, T0).agent_name,
        lambda s: service.accept(s, world.agent_bo, iid, T0).agent_name,
    )
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, DeskError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert (losers[0].status, losers[0].code) == (409, "taken")
    assert losers[0].message == f"{winners[0]} already has this call"
    assert owner_of(session_factory, iid)[1] == winners[0]
    assert [a for a, _, _ in hands(session_factory, iid)] == ["interaction.accepted"]


def test_one_agent_taking_two_calls_at_once_gets_one(
    session_factory: sessionmaker[Session], world: World
) -> None:
    calls = [ring(session_factory, f"own-10{n}") for n in "ab"]
    results = race(
        session_factory,
        *(lambda s, c=c: service.accept(s, world.agent_ana, c, T0).id for c in calls),
    )
    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, DeskError)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "busy" and f"call #{won[0]}" in refused[0].message
    with session_factory() as s:
        held = s.scalars(select(Interaction).where(Interaction.agent_id == world.agent_ana.id))
        assert [i.id for i in held] == won
