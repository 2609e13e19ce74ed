"""The reports over a known history built through the services (tests/reports_world.py): every
figure exactly, days and hours in the org's zone (America/New_York), a call at 23:30 local that
is Nov 26 in UTC, roles and tenancy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from reports_world import REPORT_NOW, History, build_history
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallStatus
from sopdesk.orgs.models import User
from sopdesk.reports import service as reports
from sopdesk.reports.filters import ReportError
from sopdesk.reports.service import ReportKind, ReportQuery
from sopdesk.reports.traceability import traceability_for
from web_helpers import ring


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def history(session_factory: sessionmaker[Session], world: World) -> History:
    return build_history(session_factory, world)


def _report(factory: sessionmaker[Session], user: User, kind: ReportKind, **q: Any) -> Any:
    """The report's data as JSON (what the API returns)."""
    with factory() as s:
        f = reports.report_filter(s, user, ReportQuery(**q), REPORT_NOW)
        return reports.build(s, kind, f, REPORT_NOW).model_dump(mode="json")["data"]


ROOT = Path(__file__).resolve().parents[1]
DAY = {"start": "2026-11-25", "end": "2026-11-25"}


def _spread(count: int, median: float, p90: float, mean: float) -> dict[str, Any]:
    return {"count": count, "median": median, "p90": p90, "mean": mean}


def test_volume_and_service_by_line_day_hour_and_agent_in_the_orgs_zone(
    session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    v = _report(session_factory, world.supervisor_sam, ReportKind.VOLUME, **DAY)
    # A, B, P and C (23:30 in New York, Nov 26 in UTC); D rang after local midnight.
    assert v["total"] == {
        "calls": 4,
        "answered": 3,
        "answered_in_target": 2,  # A (15 s) and P (10 s) within 20 s; B waited 30 s
        "missed": 1,  # C rang 45 s
        "abandoned": 0,
        "service_level": 0.5,
        "speed_of_answer": _spread(3, 15, 30, 18.333),
    }
    lines = {row["line_id"]: row for row in v["by_line"]}
    assert lines["main"]["answer_within_seconds"] == 20
    assert (lines["main"]["calls"], lines["main"]["answered_in_target"]) == (2, 1)
    assert (lines["psos"]["calls"], lines["psos"]["missed"], lines["psos"]["service_level"]) == (
        2,
        1,
        0.5,
    )
    assert v["by_urgency"] == [
        {"urgency": "Highest", "calls": 2},
        {"urgency": "Normal", "calls": 2},
    ]
    days = [(d["day"], d["line_id"], d["calls"], d["missed"]) for d in v["by_day"]]
    assert days == [("2026-11-25", "main", 2, 0), ("2026-11-25", "psos", 2, 1)]
    hours = {(h["hour"], h["line_id"]): h["calls"] for h in v["by_hour"] if h["calls"]}
    assert hours == {(10, "main"): 1, (11, "main"): 1, (12, "psos"): 1, (23, "psos"): 1}
    agents = [(a["agent_name"], a["answered"], a["answered_in_target"]) for a in v["by_agent"]]
    assert agents == [("Ana Reyes", 2, 2), ("Bo Lind", 1, 0)]

    two = _report(
        session_factory,
        world.supervisor_sam,
        ReportKind.VOLUME,
        start="2026-11-25",
        end="2026-11-26",
    )
    # D hung up after 5 s, within the target: abandoned, and out of the service level.
    assert (two["total"]["calls"], two["total"]["abandoned"], two["total"]["missed"]) == (5, 1, 1)
    assert two["total"]["service_level"] == 0.5
    assert [(d["day"], d["calls"]) for d in two["by_day"] if d["line_id"] == "psos"] == [
        ("2026-11-25", 2),
        ("2026-11-26", 1),
    ]


def test_handling_as_distributions_by_line_playbook_and_agent(
    session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    h = _report(session_factory, world.supervisor_sam, ReportKind.HANDLING, **DAY)
    # (ring, talk, after-call work, handle): A (15, 35, 70, 105), B (30, 70, 60, 130),
    # P (10, 190, 100, 290); C was never answered.
    assert h["total"] == {
        "calls": 3,
        "ring": _spread(3, 15, 30, 18.333),
        "talk": _spread(3, 70, 190, 98.333),
        "after_call_work": _spread(3, 70, 100, 76.667),
        "handle": _spread(3, 130, 290, 175.0),
    }
    main = h["by_line"][0]
    assert (main["key"], main["name"], main["handle"]) == (
        "main",
        "Main Hotline",
        _spread(2, 117.5, 130, 117.5),
    )
    assert [(g["key"], g["calls"]) for g in h["by_playbook_version"]] == [("2026.11.1", 3)]
    ana = h["by_agent"][0]
    assert (ana["name"], ana["after_call_work"]) == ("Ana Reyes", _spread(2, 85, 100, 85))
    only_psos = _report(
        session_factory, world.supervisor_sam, ReportKind.HANDLING, line="psos", **DAY
    )
    assert only_psos["total"]["handle"] == _spread(1, 290, 290, 290)


def test_documentation_first_try_missing_ranked_records_and_handoffs(
    session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    d = _report(session_factory, world.supervisor_sam, ReportKind.DOCUMENTATION, **DAY)
    assert d["wrap_ups"] == {
        "wrapped_up": 3,
        "first_try": 2,  # B and P; A was refused once
        "first_try_share": 0.6667,
        "refusals": 1,
    }
    missing = [(m["place"], m["code"], m["times"], m["calls"]) for m in d["missing"]]
    assert missing == [
        ("greet", "step_pending", 1, 1),
        ("outcome", "step_pending", 1, 1),
        ("outcome_unknown", "outcome_unknown", 1, 1),
        ("probe", "step_pending", 1, 1),
    ]
    assert d["missing"][0]["message"] == "Step not done: Answer the call with the greeting."
    records = {r["kind"]: (r["owed"], r["written"]) for r in d["records"]}
    # A: call log; B (not converted): call log and Hot lead; P: call log, note, two tasks.
    assert records == {"call_log": (3, 3), "lead": (1, 1), "account_note": (1, 1), "task": (2, 2)}
    teams = {t["team"]: t for t in d["handoffs"]}
    # P's hand-off to the business analysts (due a day after its wrap-up) and C's missed-call
    # call-back for the concierges, both still open three days on: overdue.
    assert sorted(teams) == ["business_analysts", "concierges"]
    assert teams["business_analysts"]["open_overdue"] == 1
    assert teams["business_analysts"]["on_time_share"] == 0.0


def test_a_call_waiting_in_wrap_up_owes_records_not_yet_written(
    session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    f = ring(
        session_factory,
        "rondesse",
        "rep-f",
        at=T0 + timedelta(hours=3),
        label="Rondesse Main Number",
    )
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_bo, f, T0 + timedelta(hours=3, seconds=5))
    ring(
        session_factory,
        "rondesse",
        "rep-f",
        at=T0 + timedelta(hours=3, seconds=40),
        status=CallStatus.ENDED,
    )
    d = _report(session_factory, world.supervisor_sam, ReportKind.DOCUMENTATION, **DAY)
    records = {r["kind"]: (r["owed"], r["written"]) for r in d["records"]}
    assert records["call_log"] == (4, 3)


def test_an_agent_sees_their_own_calls_only_and_no_org_sees_another(
    session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    mine = _report(session_factory, world.agent_bo, ReportKind.VOLUME, **DAY)
    assert (mine["total"]["calls"], mine["by_agent"][0]["agent_name"]) == (1, "Bo Lind")
    with pytest.raises(ReportError) as refused:
        _report(session_factory, world.agent_bo, ReportKind.VOLUME, agent=world.agent_ana.id, **DAY)
    assert refused.value.status == 403
    olga = _report(session_factory, world.other_org_olga, ReportKind.VOLUME, **DAY)
    assert olga["total"]["calls"] == 1  # MyOperator's own call only
    assert {row["line_id"] for row in olga["by_line"]} == {"support"}
    lee = _report(session_factory, world.lawyer_lee, ReportKind.DOCUMENTATION, **DAY)
    assert lee["handoffs"] == []  # his own calls (none) and the lawyers' tasks (none)


def test_a_range_is_checked(session_factory: sessionmaker[Session], world: World) -> None:
    with pytest.raises(ReportError) as refused:
        _report(
            session_factory,
            world.supervisor_sam,
            ReportKind.VOLUME,
            start="2026-11-26",
            end="2026-11-25",
        )
    assert [p.field for p in refused.value.fields] == ["from"]
    with pytest.raises(ReportError) as refused:
        _report(session_factory, world.supervisor_sam, ReportKind.VOLUME, start="yesterday")
    assert refused.value.fields[0].message == "expected a date such as 2026-11-25"


def test_adherence_by_sop_sentence_with_example_calls(
    session_factory: sessionmaker[Session], world: World, history: History
) -> None:
    trace = traceability_for(ROOT / "playbooks", "rondesse")
    with session_factory() as s:
        f = reports.report_filter(s, world.supervisor_sam, ReportQuery(**DAY), REPORT_NOW)
        data = reports.build(s, ReportKind.ADHERENCE, f, REPORT_NOW, trace).data
    # Refused: A's refusal named three steps and the lead rule (its outcome not yet known).
    assert (data.summary.calls, data.summary.skipped, data.summary.refused) == (3, 5, 4)
    by_path = {e.path: e for e in data.elements}
    # P never ticked "intervene" (not required): reached and skipped, on PSOS, by Ana.
    intervene = by_path["lines[id=psos].steps[id=intervene]"]
    assert (intervene.reached, intervene.done, intervene.skipped) == (1, 0, 1)
    assert intervene.skipped_calls == [history.p]
    assert [s.row for s in intervene.sop] == ["R20"]
    assert data.elements[0].skipped == 1  # the most skipped first
    # A's refused wrap-up named the greeting: refused once, done on both Main calls at last.
    greet = by_path["lines[id=main].steps[id=greet]"]
    assert (greet.reached, greet.done, greet.refused) == (2, 2, 1)
    assert greet.done_calls == [history.a, history.b]
    assert greet.sop[0].row == "R10" and "Thank you for calling Rondesse" in greet.sop[0].text
    # Scenario fields are traced too (the table names them after their scenario).
    wallet = by_path["scenarios[id=crypto].fields[id=wallet_type]"]
    assert (wallet.done, [s.row for s in wallet.sop]) == (1, ["R50"])
    assert by_path["scenarios[id=crypto].fields[id=other_details]"].skipped == 1
    # Documentation rules: the call log on both Main calls; the Hot lead only on B (not
    # converted); A's refusal before its outcome was recorded counts for the lead rule.
    log = by_path["lines[id=main].documentation[record=call_log]"]
    assert (log.kind, log.reached, log.done, log.skipped, log.refused) == ("rule", 2, 2, 0, 0)
    lead = by_path["lines[id=main].documentation[record=lead]"]
    assert (lead.reached, lead.done, lead.refused, lead.done_calls) == (1, 1, 1, [history.b])
    assert lead.text == "lead (stage Hot) when converted is false"
    assert lead.label == "main · lead record"
    assert [s.row for s in lead.sop] == ["R13"]
    agents = {(a.path, a.agent_name): a.done for a in data.by_agent}
    assert agents[("lines[id=main].steps[id=probe]", "Bo Lind")] == 1
    assert "lines[id=main].steps[id=probe]" not in {
        e.path for e in _adherence(session_factory, world.agent_bo).elements if e.skipped
    }


def _adherence(factory: sessionmaker[Session], user: User) -> Any:
    with factory() as s:
        f = reports.report_filter(s, user, ReportQuery(**DAY), REPORT_NOW)
        return reports.build(s, ReportKind.ADHERENCE, f, REPORT_NOW).data
