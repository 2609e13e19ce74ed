"""`sopdesk demo --history DAYS` / `sopdesk simulate --history DAYS --org ORG`: days of worked
calls written through the desk's services, which the reports then count; the same seed gives
the same history, and running it again adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from personas import ROOT, World, build_world
from sopdesk.crm.models import AuditEntry, CallLog
from sopdesk.desk.models import Interaction, State
from sopdesk.escalations.models import Ticket
from sopdesk.history import write_history
from sopdesk.playbooks.cases import scenario_examples
from sopdesk.reports import service as reports
from sopdesk.reports.service import ReportKind, ReportQuery

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # noon in New York


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def _count(factory: sessionmaker[Session], *where: object) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Interaction).where(*where)) or 0  # type: ignore[arg-type]


def test_history_is_written_through_the_services_and_counted_by_the_reports(
    session_factory: sessionmaker[Session], world: World
) -> None:
    report = write_history(session_factory, "rondesse", 3, NOW, per_day=12)
    assert report.calls == report.wrapped_up + report.missed + report.left_in_wrap_up
    assert report.calls >= 20 and report.missed >= 1 and report.refused >= 1
    assert _count(session_factory, Interaction.org_id == "rondesse") == report.calls
    assert _count(session_factory, Interaction.state == State.CLOSED.value) == report.wrapped_up
    with session_factory() as s:
        # What the desk writes: a call log per wrap-up and per missed call, refusals audited.
        logs = s.scalar(select(func.count()).select_from(CallLog)) or 0
        assert logs == report.wrapped_up + report.missed
        refused = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "interaction.wrap_up_refused")
        )
        assert refused == report.refused
        f = reports.report_filter(
            s, world.supervisor_sam, ReportQuery("2026-11-29", "2026-12-01"), NOW
        )
        volume = reports.build(s, ReportKind.VOLUME, f, NOW).data
        docs = reports.build(s, ReportKind.DOCUMENTATION, f, NOW).data
    assert volume.total.calls == report.calls  # all three days, none today
    assert {d.day for d in volume.by_day if d.calls} == {"2026-11-29", "2026-11-30", "2026-12-01"}
    assert docs.wrap_ups.wrapped_up == report.wrapped_up
    assert docs.wrap_ups.refusals == report.refused
    again = write_history(session_factory, "rondesse", 3, NOW, per_day=12)
    assert again.calls == 0  # already written


def test_the_same_seed_gives_the_same_history(
    session_factory: sessionmaker[Session], world: World
) -> None:
    first = write_history(session_factory, "myoperator", 1, NOW, per_day=8)
    with session_factory() as s:
        rows = s.execute(
            select(Interaction.rang_at, Interaction.line_id, Interaction.state).order_by(
                Interaction.id
            )
        ).all()
    assert len(rows) == first.calls > 0
    assert rows == sorted(rows, key=lambda r: r[0])  # rung in time order, as they happened


def test_simulate_history_on_the_command_line(
    db_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sopdesk.cli import app

    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)
    runner = CliRunner()
    done = runner.invoke(app, ["simulate", "--history", "1", "--org", "myoperator"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("history myoperator: ") and "calls over 1 days" in done.output
    unknown = runner.invoke(app, ["simulate", "--history", "1", "--org", "nope"])
    assert unknown.exit_code == 2 and "no published playbook" in unknown.output
    usage = runner.invoke(app, ["simulate", "--org", "myoperator"])
    assert usage.exit_code == 2 and "--url and --line are required" in usage.output


def test_the_history_holds_scenarios_hand_offs_and_tickets_the_reports_count(
    session_factory: sessionmaker[Session], world: World
) -> None:
    """Scenario forms filled from the org's test cases, the hand-off tasks they owe worked by
    the teams (some late), emailed tickets answered (some after their SLA) and swept."""
    root = ROOT / "playbooks"
    found = {}
    for org in ("rondesse", "myoperator"):
        examples = scenario_examples(root / org)
        if org == "rondesse":
            assert "crypto" in examples  # the test cases' values, as typed
        found[org] = write_history(
            session_factory, org, 6, NOW, per_day=16, examples=examples, tickets_per_day=3
        )
    ron, myo = found["rondesse"], found["myoperator"]
    assert ron.scenarios >= 3 and ron.tasks_done >= 1
    assert myo.tickets >= 6 * 3  # each team reached by email, every day
    assert myo.tickets_breached >= 1
    with session_factory() as s:
        tickets = s.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.org_id == "myoperator", Ticket.channel == "email")
        )
        assert tickets == myo.tickets
        olga = world.other_org_olga
        f = reports.report_filter(s, olga, ReportQuery("2026-11-26", "2026-12-01"), NOW)
        sla = reports.build(s, ReportKind.SLA, f, NOW).data
        sam = world.supervisor_sam
        g = reports.report_filter(s, sam, ReportQuery("2026-11-26", "2026-12-01"), NOW)
        docs = reports.build(s, ReportKind.DOCUMENTATION, g, NOW).data
        adherence = reports.build(s, ReportKind.ADHERENCE, g, NOW).data
    assert sla.total.tickets >= myo.tickets  # and those the calls raised
    assert sla.total.met >= 1 and sla.total.breached == myo.tickets_breached
    assert sum(t.done_on_time + t.done_late for t in docs.handoffs) == ron.tasks_done
    assert any(e.kind in ("field", "scenario_step") for e in adherence.elements)
    same = {"examples": scenario_examples(root / "myoperator"), "tickets_per_day": 3}
    again = write_history(session_factory, "myoperator", 6, NOW, per_day=16, **same)
    assert again.tickets == 0 and again.calls == 0
