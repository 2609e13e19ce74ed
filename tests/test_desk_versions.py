"""Versions of what the agent types (the summary, each scenario's form), on both backends: a
write over an older version is refused (412 `stale`) naming each field with what is stored, the
same text again is never stale, and of two writers racing over one version only one writes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder
from personas import T0, World, build_world
from sopdesk.crm.models import AuditEntry
from sopdesk.db import transaction
from sopdesk.desk import service
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import progress_of
from sopdesk.desk.wrapup import wrap_up
from sopdesk.events import bind_bus

CRYPTO = {"concern": "Wallet drained", "caller_name": "Dee Carter", "amount": "0.5 BTC"}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def bus(session_factory: sessionmaker[Session]) -> Recorder:
    recorder = Recorder()
    bind_bus(session_factory, recorder)
    return recorder


def taken(factory: sessionmaker[Session], world: World, label: str = "Rondesse PSOS") -> int:
    with transaction(factory) as s:
        iid = receive_call(s, CallIn(org_id="rondesse", at=T0, label=label), T0).id
        service.accept(s, world.agent_ana, iid, T0)
    return iid


def stored(factory: sessionmaker[Session], iid: int) -> Interaction:
    with factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None
        s.expunge(i)
        return i


def test_a_stale_summary_is_refused_naming_the_field_with_the_stored_text(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana, iid = world.agent_ana, taken(session_factory, world)
    with transaction(session_factory) as s:
        first = service.set_summary(s, ana, iid, "Caller wants a refund", T0, base_version=0)
        assert progress_of(first).summary_version == 1
    with pytest.raises(DeskError) as refused, transaction(session_factory) as s:
        service.set_summary(s, ana, iid, "Refund explained", T0, base_version=0)
    error = refused.value
    assert (error.status, error.code) == (412, "stale")
    assert [(f.field, f.current, f.current_version) for f in error.fields] == [
        ("summary", "Caller wants a refund", 1)
    ]
    assert progress_of(stored(session_factory, iid)).summary == "Caller wants a refund"
    with transaction(session_factory) as s:  # keep mine: written over the version now stored
        kept = service.set_summary(s, ana, iid, "Refund explained", T0, base_version=1)
        assert (progress_of(kept).summary, progress_of(kept).summary_version) == (
            "Refund explained",
            2,
        )


def test_the_same_text_is_never_stale_and_no_version_writes_whatever_is_stored(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana, iid = world.agent_ana, taken(session_factory, world)
    with transaction(session_factory) as s:
        service.set_summary(s, ana, iid, "Told whom to call", T0, base_version=0)
    with transaction(session_factory) as s:  # a retry of a save that did arrive: nothing changes
        again = service.set_summary(s, ana, iid, "Told whom to call  ", T0, base_version=0)
        assert progress_of(again).summary_version == 1
    with transaction(session_factory) as s:  # no version: the API's unconditional write
        later = service.set_summary(s, ana, iid, "Told whom to call, twice", T0)
        assert progress_of(later).summary_version == 2
    with session_factory() as s:
        writes = select(func.count()).where(AuditEntry.action == "summary.written")
        assert s.scalar(writes.select_from(AuditEntry)) == 2


def test_a_closed_call_is_refused_before_any_version_is_looked_at(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana, iid = world.agent_ana, taken(session_factory, world, "Nowhere line")
    with transaction(session_factory) as s:
        service.set_step(s, ana, iid, "identify", True, T0)
        wrap_up(s, ana, iid, T0)
    with pytest.raises(DeskError) as refused, transaction(session_factory) as s:
        service.set_summary(s, ana, iid, "late", T0, base_version=7)
    assert (refused.value.status, refused.value.code) == (409, "closed")


def test_a_stale_scenario_form_names_each_field_it_would_overwrite(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana, iid = world.agent_ana, taken(session_factory, world)
    with transaction(session_factory) as s:
        service.record_scenario(s, ana, iid, "crypto", CRYPTO, [], T0, base_version=0)
    assert progress_of(stored(session_factory, iid)).scenarios["crypto"].version == 1
    other = {**CRYPTO, "amount": "0.7 BTC", "caller_name": "Dee Carter"}
    with pytest.raises(DeskError) as refused, transaction(session_factory) as s:
        service.record_scenario(s, ana, iid, "crypto", other, [], T0, base_version=0)
    assert (refused.value.status, refused.value.code) == (412, "stale")
    assert [(f.field, f.current, f.current_version) for f in refused.value.fields] == [
        ("amount", "0.5 BTC", 1)
    ]
    with pytest.raises(DeskError) as steps_only, transaction(session_factory) as s:
        service.record_scenario(s, ana, iid, "crypto", CRYPTO, ["concern"], T0, base_version=0)
    assert [f.field for f in steps_only.value.fields] == ["steps"]
    with transaction(session_factory) as s:  # the same form again: never stale
        service.record_scenario(s, ana, iid, "crypto", CRYPTO, [], T0, base_version=0)
        service.record_scenario(s, ana, iid, "crypto", other, [], T0, base_version=1)
    entry = progress_of(stored(session_factory, iid)).scenarios["crypto"]
    assert (entry.values["amount"], entry.version) == ("0.7 BTC", 2)


def test_of_two_writers_over_one_version_only_one_writes(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana, iid = world.agent_ana, taken(session_factory, world)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(text: str) -> None:
        barrier.wait()
        try:
            with transaction(session_factory) as s:
                service.set_summary(s, ana, iid, text, T0, base_version=0)
            outcomes.append("written")
        except DeskError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("first tab", "second tab")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["stale", "written"]
    progress = progress_of(stored(session_factory, iid))
    assert progress.summary in ("first tab", "second tab") and progress.summary_version == 1
