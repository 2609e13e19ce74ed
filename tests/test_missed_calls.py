"""Missed calls: a call that ends before anyone accepts it owes what the playbook's
`on_missed` says (the pure engine), and the desk writes it exactly once when the call ends;
the queue drops it, the board and `GET /api/v1/board` show it with its call-back."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder
from personas import T0, World, build_world
from sopdesk.channels.ringcentral.payloads import CALL_STEPS, call_notification, new_call
from sopdesk.crm.models import AuditEntry, CallLog, Task
from sopdesk.db import transaction
from sopdesk.desk import calls as calls_module
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.wrapup import wrap_up
from sopdesk.events import bind_bus
from sopdesk.playbooks import engine
from sopdesk.playbooks.engine import CallRecord, OwedCallLog, OwedTask
from sopdesk.playbooks.language.loader import load_file, load_text
from sopdesk.playbooks.language.schema import Playbook
from web_helpers import TestClock, login, make_app

ROOT = Path(__file__).resolve().parents[1]
ENDED = T0 + timedelta(seconds=40)


# --- the engine (pure) --------------------------------------------------------------------


def _rondesse() -> Playbook:
    return load_file(ROOT / "playbooks/rondesse/playbook.yaml").playbook


def _record(line: str, ended_at: datetime | None = ENDED) -> CallRecord:
    return CallRecord(
        line=line,
        agent_name="Nobody",
        started_at=T0,
        ended_at=ended_at,
        caller_number="+14155552671",
        caller_name="Dee Carter",
        completed_steps=[],
    )


def test_a_missed_psos_call_owes_a_missed_call_log_and_a_call_back() -> None:
    owed = engine.missed_plan(_rondesse(), _record("psos"), T0 + timedelta(hours=5))
    assert [o.record for o in owed] == ["call_log", "task"]
    log, task = owed
    assert isinstance(log, OwedCallLog) and isinstance(task, OwedTask)
    assert log.data.missed and log.data.line == "psos" and log.data.duration_seconds == 40
    assert (log.data.summary, log.data.scenarios) == (None, [])
    assert task.data.team == "concierges" and task.data.assignee is None
    assert task.data.due_at == ENDED + timedelta(minutes=15)  # from the end, not from `now`
    assert task.data.source == "missed:psos"
    assert task.data.intake == {"caller_number": "+14155552671", "caller_name": "Dee Carter"}


def test_without_on_missed_a_call_log_only_and_due_times_count_from_now_without_an_end() -> None:
    playbook = _rondesse()
    owed = engine.missed_plan(playbook, _record("main"), T0)
    assert [o.record for o in owed] == ["call_log"]
    now = T0 + timedelta(minutes=2)
    usos = engine.missed_plan(playbook, _record("usos", ended_at=None), now)
    task = usos[1]
    assert isinstance(task, OwedTask) and task.data.due_at == now + timedelta(hours=1)
    # A line the playbook does not know gets its fallback line's rule.
    assert engine.on_missed(playbook, "nope") == engine.DEFAULT_ON_MISSED


PLAYBOOK_LEVEL = """\
version: "1"
org: {id: acme, name: Acme}
urgencies: [{id: normal, name: Normal}]
teams: [{id: support, name: Support}, {id: sales, name: Sales}]
on_missed:
  task: {title: Call back, team: support, due: 2h}
lines:
  - id: main
    name: Main
    labels: [Main]
    urgency: normal
    greeting: {template: Hello}
  - id: quiet
    name: Quiet
    labels: [Quiet]
    urgency: normal
    greeting: {template: Hello}
    on_missed: {call_log: false, task: {title: Ring the lead, team: sales, due: 10m}}
"""


def test_the_playbook_level_default_and_a_line_that_overrides_it() -> None:
    playbook = load_text(PLAYBOOK_LEVEL, "p.yaml").playbook
    main = engine.missed_plan(playbook, _record("main"), T0)
    assert [o.record for o in main] == ["call_log", "task"]
    assert isinstance(main[1], OwedTask) and main[1].data.team == "support"
    quiet = engine.missed_plan(playbook, _record("quiet"), T0)
    assert [(o.record, o.data.team) for o in quiet if isinstance(o, OwedTask)] == [
        ("task", "sales")
    ]
    assert len(quiet) == 1  # call_log: false


# --- the desk -----------------------------------------------------------------------------


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def bus(session_factory: sessionmaker[Session]) -> Recorder:
    recorder = Recorder()
    bind_bus(session_factory, recorder)
    return recorder


def _event(factory: sessionmaker[Session], status: CallStatus, at: datetime, **kw: object) -> int:
    call = CallIn(
        org_id="rondesse",
        at=at,
        status=status,
        external_id=str(kw.pop("external_id", "s-missed")),
        label=str(kw.pop("label", "Rondesse PSOS")),
        caller_number="+14155552671",
        caller_name="Dee Carter",
        **kw,  # type: ignore[arg-type]
    )
    with transaction(factory) as s:
        return receive_call(s, call, at).id


def _counts(s: Session, iid: int) -> tuple[int, int, int]:
    logs = s.scalar(select(func.count()).select_from(CallLog).where(CallLog.interaction_id == iid))
    tasks = s.scalar(select(func.count()).select_from(Task).where(Task.interaction_id == iid))
    audits = s.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.object_id == str(iid), AuditEntry.action == "interaction.missed")
    )
    return logs or 0, tasks or 0, audits or 0


def test_ringing_then_ended_is_missed_and_writes_once(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = _event(session_factory, CallStatus.RINGING, T0)
    _event(session_factory, CallStatus.ENDED, ENDED)
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None and i.state == State.MISSED.value and i.ended_at == ENDED
        assert _counts(s, iid) == (1, 1, 1)
        log = s.scalar(select(CallLog).where(CallLog.interaction_id == iid))
        assert log is not None and log.data["missed"] is True and log.agent_name == "Nobody"
        assert (log.line, log.duration_seconds, log.caller_number) == ("psos", 40, "+14155552671")
        task = s.scalar(select(Task).where(Task.interaction_id == iid))
        assert task is not None and (task.team, task.status, task.assignee_id) == (
            "concierges",
            "open",
            None,
        )
        assert task.due_at == ENDED + timedelta(minutes=15)
        assert task.data["intake"]["caller_number"] == "+14155552671"
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "interaction.missed"))
        assert entry is not None and entry.playbook_version == i.playbook_version
        assert [w["record"] for w in entry.detail["written"]] == ["call_log", "task"]
        assert desk.queue(s, "rondesse") == []  # it left the queue
    calls = [e for e in bus.events if e.kind.startswith("interaction.")]
    assert [e.kind for e in calls] == ["interaction.ringing", "interaction.missed"]
    assert calls[-1].data["state"] == "missed"
    sent = len(bus.events)

    # The phone system retries 'ended', then sends a late 'ringing' and 'answered': nothing moves
    # and nothing more is written.
    for status in (CallStatus.ENDED, CallStatus.RINGING, CallStatus.ANSWERED, CallStatus.ENDED):
        _event(session_factory, status, ENDED + timedelta(seconds=5))
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None and i.state == State.MISSED.value and i.ended_at == ENDED
        assert _counts(s, iid) == (1, 1, 1)
    assert bus.events[sent:] == []  # no event for a change that did not happen


def _race(factory: sessionmaker[Session], *attempts: Callable[[Session], object]) -> list[Any]:
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


def _both_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both events read the ringing row before either moves it, where the database lets them
    (SQLite holds one writer from BEGIN: there the second simply waits its turn)."""
    both = threading.Barrier(2)
    fill = calls_module._fill_gaps

    def after_both_read(*args: Any) -> None:
        fill(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            both.wait(timeout=2)

    monkeypatch.setattr(calls_module, "_fill_gaps", after_both_read)


def _ended(at: datetime) -> CallIn:
    return CallIn(org_id="rondesse", at=at, status=CallStatus.ENDED, external_id="s-race",
                  label="Rondesse PSOS")  # fmt: skip


def test_two_ended_events_at_once_write_once(
    session_factory: sessionmaker[Session],
    world: World,
    bus: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    iid = _event(session_factory, CallStatus.RINGING, T0, external_id="s-race")
    _both_read(monkeypatch)
    results = _race(
        session_factory,
        lambda s: receive_call(s, _ended(ENDED), ENDED).state,
        lambda s: receive_call(s, _ended(ENDED), ENDED).state,
    )
    assert results == ["missed", "missed"], results
    with session_factory() as s:
        assert _counts(s, iid) == (1, 1, 1)
    assert [e.kind for e in bus.events].count("interaction.missed") == 1


def test_a_take_and_a_hang_up_at_once_end_one_way_or_the_other(
    session_factory: sessionmaker[Session],
    world: World,
    bus: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    iid = _event(session_factory, CallStatus.RINGING, T0, external_id="s-race")
    results = _race(
        session_factory,
        lambda s: desk.accept(s, world.agent_ana, iid, ENDED).agent_name,
        lambda s: receive_call(s, _ended(ENDED), ENDED).state,
    )
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None
        if i.state == State.MISSED.value:  # the hang-up came first: nobody can take it now
            assert isinstance(results[0], DeskError) and results[0].status == 409, results
            assert i.agent_id is None and _counts(s, iid) == (1, 1, 1)
        else:  # Ana took it first: her call to wrap up, nothing written for a missed call
            assert results == ["Ana Reyes", "wrap_up"], results
            assert i.state == State.WRAP_UP.value and i.agent_id == world.agent_ana.id
            assert _counts(s, iid) == (0, 0, 0)


def test_a_missed_call_cannot_be_wrapped_up(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = _event(session_factory, CallStatus.ENDED, ENDED, label="Rondesse Main Number")
    with pytest.raises(DeskError) as refused, transaction(session_factory) as s:
        wrap_up(s, world.supervisor_sam, iid, ENDED)
    assert (refused.value.status, refused.value.code) == (409, "missed")
    with session_factory() as s:
        assert _counts(s, iid) == (1, 0, 1)  # Main: the call log only, the default


def test_accepted_then_ended_goes_to_wrap_up_and_writes_nothing_yet(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = _event(session_factory, CallStatus.RINGING, T0)
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, iid, T0 + timedelta(seconds=5))
    _event(session_factory, CallStatus.ENDED, ENDED)
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None and i.state == State.WRAP_UP.value and i.ended_at == ENDED
        assert _counts(s, iid) == (0, 0, 0)
        assert [q.id for q in desk.queue(s, "rondesse")] == [iid]  # still owes its wrap-up


def test_answered_by_the_phone_system_but_never_taken_at_the_desk_is_missed(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = _event(session_factory, CallStatus.RINGING, T0)
    _event(session_factory, CallStatus.ANSWERED, T0 + timedelta(seconds=3), agent_name="Ext 101")
    _event(session_factory, CallStatus.ENDED, ENDED)
    with session_factory() as s:
        i = s.get(Interaction, iid)
        assert i is not None and i.state == State.MISSED.value
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "interaction.missed"))
        assert entry is not None
        assert entry.detail["phone_answered_at"] == (T0 + timedelta(seconds=3)).isoformat()


def test_simulated_ringcentral_calls_that_nobody_takes_become_missed(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    """What `sopdesk simulate` posts (Setup, Ringing, Answered, Disconnected) with nobody at the
    desk taking the calls: each one ends missed, with its call log, and the queue is empty."""
    calls = [new_call(n, "Rondesse USOS", None) for n in range(3)]
    with TestClient(make_app(db_url)) as client:
        for call in calls:
            for step in range(len(CALL_STEPS)):
                at = datetime(2026, 11, 25, 15, 0, step, tzinfo=UTC)
                body = json.dumps(call_notification(call, step, at))
                response = client.post("/api/v1/telephony/ringcentral?org=rondesse", content=body)
                assert response.status_code == 200, response.text
    with session_factory() as s:
        rows = s.scalars(select(Interaction).where(Interaction.org_id == "rondesse")).all()
        assert len(rows) == 3 and {r.state for r in rows} == {"missed"}
        for row in rows:
            assert _counts(s, row.id) == (1, 1, 1)  # USOS: call log and a call-back
        assert desk.queue(s, "rondesse") == []


# --- the call screen ----------------------------------------------------------------


@pytest.fixture
def app_clock() -> TestClock:
    return TestClock()


@pytest.fixture
def client(db_url: str, world: World, app_clock: TestClock) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, app_clock)) as c:
        yield c


def test_the_call_screen_shows_a_missed_call_and_a_caller_who_hung_up(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    missed = _event(session_factory, CallStatus.ENDED, ENDED, external_id="h1")
    hung_up = _event(session_factory, CallStatus.RINGING, T0, external_id="h2")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, hung_up, T0 + timedelta(seconds=5))
    _event(
        session_factory, CallStatus.ENDED, T0 + timedelta(minutes=2, seconds=7), external_id="h2"
    )
    login(client, world.agent_ana)
    page = client.get(f"/calls/{hung_up}")
    assert page.status_code == 200
    # 15:02 UTC, shown in Rondesse's zone (New York) with its label
    assert re.search(r"The caller hung up at <time [^>]+>10:02 EST</time>", page.text)
    page = client.get(f"/calls/{missed}")
    assert page.status_code == 200
    assert re.search(r"the caller hung up at <time [^>]+>25 Nov 10:00 EST</time>", page.text)
    assert 'id="take-call"' not in page.text
