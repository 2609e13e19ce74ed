"""The desk services on a real database: ring -> accept -> guide -> scenario -> wrap-up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder
from personas import T0, World, build_world
from sopdesk.crm.models import AuditEntry, CallLog, Lead, Note, Task
from sopdesk.db import transaction
from sopdesk.desk import service
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction
from sopdesk.desk.wrapup import wrap_up
from sopdesk.events import bind_bus

CRYPTO = {
    "concern": "Wallet drained after a fake support call",
    "caller_name": "Dee Carter",
    "cryptocurrency": "Bitcoin",
    "wallet_type": "Hardware",
    "amount": "0.5 BTC",
    "phone": "+1 415 555 2671",
    "email": "dee@example.com",
}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def bus(session_factory: sessionmaker[Session]) -> Recorder:
    recorder = Recorder()
    bind_bus(session_factory, recorder)
    return recorder


def ring(factory: sessionmaker[Session], **kw: object) -> int:
    call = CallIn(org_id="rondesse", at=T0, **kw)  # type: ignore[arg-type]
    with transaction(factory) as s:
        return receive_call(s, call, T0).id


def test_ring_matches_the_line_and_records_the_playbook_version(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(
        session_factory, label="Rondesse PSOS", dialed_number="888 5333002", external_id="s-1"
    )
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None
        assert (i.line_id, i.urgency_name, i.state, i.playbook_version) == (
            "psos",
            "Highest",
            "ringing",
            "2026.11.1",
        )
    assert [e.kind for e in bus.events] == ["interaction.ringing"]


def test_events_of_a_rolled_back_transaction_are_never_sent(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    with pytest.raises(RuntimeError), transaction(session_factory) as s:
        receive_call(s, CallIn(org_id="rondesse", at=T0, label="Rondesse PSOS"), T0)
        raise RuntimeError("boom")
    assert bus.events == []


def test_one_interaction_per_session_whatever_the_order(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    later = T0 + timedelta(seconds=30)
    for status, at in [
        (CallStatus.ENDED, later),  # the last event arrives first
        (CallStatus.RINGING, T0),
        (CallStatus.ANSWERED, T0 + timedelta(seconds=5)),
        (CallStatus.RINGING, T0),  # a retry
    ]:
        with transaction(session_factory) as s:
            receive_call(
                s,
                CallIn(
                    org_id="rondesse",
                    at=at,
                    status=status,
                    external_id="s-2",
                    label="Rondesse Main Number",
                ),
                T0,
            )
    with session_factory() as s:
        rows = s.scalars(select(Interaction).where(Interaction.external_id == "s-2")).all()
        assert len(rows) == 1
        # Nobody took it at the desk before it ended: missed, and the late events (recorded)
        # never undo that.
        assert rows[0].state == "missed" and rows[0].ended_at == later
        assert rows[0].answered_at == T0 + timedelta(seconds=5)


def test_unknown_line_still_rings_with_a_warning(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(session_factory, label="Rondesse Billing", dialed_number="+1 212 555 0100")
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None and i.line_id == "unknown" and i.matched_by == "fallback"
        assert any("Unknown line" in w for w in i.warnings)


def test_crypto_call_on_psos_from_refusal_to_wrap_up(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana = world.agent_ana
    iid = ring(session_factory, label="Rondesse PSOS", caller_number="+14155552671")
    with transaction(session_factory) as s:
        service.accept(s, ana, iid, T0)
        for step in ("mute", "listen"):
            service.set_step(s, ana, iid, step, True, T0)
        result = service.record_scenario(
            s, ana, iid, "crypto", {**CRYPTO, "amount": "2500"}, [], T0
        )
        assert result.errors == {
            "amount": "the amount needs a currency, e.g. '2500 USD' or '0.5 BTC'"
        }
    with transaction(session_factory) as s, pytest.raises(DeskError) as refused:
        wrap_up(s, ana, iid, T0)
    assert refused.value.status == 422
    assert {f.field for f in refused.value.fields} == {"account_required", "amount"}
    with transaction(session_factory) as s:
        service.record_scenario(s, ana, iid, "crypto", CRYPTO, [], T0)
        service.link_account(s, ana, iid, world.account_id, T0)
        service.set_summary(s, ana, iid, "Stopped a transfer to a scam wallet", T0)
    done = T0 + timedelta(minutes=10)
    with transaction(session_factory) as s:
        result = wrap_up(s, ana, iid, done)
    assert [w.record for w in result.written] == ["call_log", "account_note", "task", "task"]
    with session_factory() as s:
        note = s.scalars(select(Note)).one()
        assert "Stopped a transfer" in note.body and note.account_id == world.account_id
        # Only the call's content: the playbook's description of the rule stays in the playbook.
        assert note.body.endswith(": Stopped a transfer to a scam wallet."), note.body
        assert "Call log of this call" not in note.body
        tasks = {t.team: t for t in s.scalars(select(Task))}
        assert tasks["business_analysts"].due_at == done + timedelta(days=1)
        assert tasks["business_analysts"].data["intake"]["amount"] == {
            "amount": "0.5",
            "currency": "BTC",
        }
        assert tasks[None].assignee_id == ana.id and tasks[None].due_at == done + timedelta(hours=1)
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "interaction.wrapped_up")
        ).one()
        assert audit.playbook_version == "2026.11.1" and audit.actor == "ana@rondesse.example"


def test_main_number_caller_who_does_not_convert_is_a_hot_lead(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana = world.agent_ana
    iid = ring(
        session_factory,
        label="Rondesse Main Number",
        caller_name="Jo Doe",
        caller_number="+12125550100",
    )
    with transaction(session_factory) as s:
        service.accept(s, ana, iid, T0)
        service.set_step(s, ana, iid, "greet", True, T0)
        service.set_step(s, ana, iid, "probe", True, T0)
        service.choose(s, ana, iid, "outcome", "No, not converted (add as a Hot lead)", T0)
    with transaction(session_factory) as s:
        wrap_up(s, ana, iid, T0)
    with session_factory() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.stage, lead.name, lead.phone) == ("Hot", "Jo Doe", "+12125550100")
        assert s.scalar(select(func.count()).select_from(CallLog)) == 1


def test_retried_wrap_up_never_writes_twice(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana = world.agent_ana
    iid = ring(session_factory, label="Rondesse Main Number")
    with transaction(session_factory) as s:
        service.accept(s, ana, iid, T0)
        for step in ("greet", "probe"):
            service.set_step(s, ana, iid, step, True, T0)
        service.set_outcome(s, ana, iid, True, T0)
    with transaction(session_factory) as s:
        first = wrap_up(s, ana, iid, T0)
    with transaction(session_factory) as s:
        again = wrap_up(s, ana, iid, T0)
    assert again.already_closed and again.written == first.written
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(CallLog)) == 1
        assert s.scalar(select(func.count()).select_from(Lead)) == 0


def test_concurrent_wrap_ups_write_once(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana = world.agent_ana
    iid = ring(session_factory, label="Rondesse Main Number")
    with transaction(session_factory) as s:
        service.accept(s, ana, iid, T0)
        for step in ("greet", "probe"):
            service.set_step(s, ana, iid, step, True, T0)
        service.set_outcome(s, ana, iid, False, T0)
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def worker() -> None:
        barrier.wait()
        with transaction(session_factory) as s:
            outcomes.append(wrap_up(s, ana, iid, T0).already_closed)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False, True]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1


def test_other_org_cannot_see_or_change_the_call(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(session_factory, label="Rondesse PSOS")
    olga = world.other_org_olga
    attempts = [
        lambda s: service.accept(s, olga, iid, T0),
        lambda s: service.set_step(s, olga, iid, "mute", True, T0),
        lambda s: service.record_scenario(s, olga, iid, "crypto", CRYPTO, [], T0),
        lambda s: service.set_outcome(s, olga, iid, True, T0),
        lambda s: wrap_up(s, olga, iid, T0),
    ]
    for attempt in attempts:
        with transaction(session_factory) as s, pytest.raises(DeskError) as refused:
            attempt(s)
        assert refused.value.status == 404
    with transaction(session_factory) as s, pytest.raises(DeskError) as refused:
        service.link_account(s, world.agent_priya, iid, world.account_id, T0)
    assert refused.value.status == 404


def test_another_agents_call_is_refused(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(session_factory, label="Rondesse USOS")
    with transaction(session_factory) as s:
        service.accept(s, world.agent_ana, iid, T0)
    with transaction(session_factory) as s, pytest.raises(DeskError) as refused:
        service.accept(s, world.agent_bo, iid, T0)
    assert refused.value.status == 409


def test_queue_orders_by_urgency_then_waiting_time(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    main = ring(session_factory, label="Rondesse Main Number")
    usos = ring(session_factory, label="Rondesse USOS")
    psos = ring(session_factory, label="Rondesse PSOS")
    with transaction(session_factory) as s:
        earlier = receive_call(
            s, CallIn(org_id="rondesse", at=T0 - timedelta(minutes=3), label="Rondesse USOS"), T0
        ).id
    with session_factory() as s:
        assert [i.id for i in service.queue(s, "rondesse")] == [psos, earlier, usos, main]
        assert service.queue(s, "myoperator") == []


def test_who_may_act_on_a_call(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(session_factory, label="Rondesse PSOS")
    with session_factory() as s:
        call = s.get(Interaction, iid)
        assert call is not None
        assert service.can_act(world.agent_ana, call)
        assert service.can_act(world.agent_bo, call)  # not taken yet: any agent of the org
        assert service.can_act(world.supervisor_sam, call)
        assert not service.can_act(world.lawyer_lee, call)  # a team member reads the call
        assert not service.can_act(world.other_org_olga, call)  # another org's call
        call.state = "closed"  # wrapped up: nobody acts on it any more
        assert not service.can_act(world.supervisor_sam, call)
