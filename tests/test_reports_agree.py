"""The reports' fast paths give the figures their plain definitions give, on one history
written through the desk's services (Rondesse, America/New_York, across the night clocks went
back on 1 November 2026):

- on PostgreSQL, volume, handling and SLA aggregated in SQL (`reports.pg`) equal the pure
  aggregations over the same rows (`volume.py`, `handling.py`, `sla.py`), whatever the filter;
- documentation and adherence read from the patterns the wrap-up stored equal the same reports
  worked out from each call's progress and audit entries (the path calls wrapped up before
  patterns existed still take);
- the migration that introduced them counts refusals already in the audit trail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from personas import ROOT, World, build_world
from sopdesk.db import alembic_config, migrate, transaction
from sopdesk.desk.models import Interaction, RefusedItem
from sopdesk.history import write_history
from sopdesk.playbooks.cases import scenario_examples
from sopdesk.reports import pg, query
from sopdesk.reports import service as reports
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.handling import handling_report
from sopdesk.reports.service import ReportKind, ReportQuery
from sopdesk.reports.sla import sla
from sopdesk.reports.traceability import traceability_for
from sopdesk.reports.volume import volume

NOW = datetime(2026, 11, 4, 17, 0, tzinfo=UTC)  # history: 27 Oct - 3 Nov, New York time
QUERIES = {
    "all": ReportQuery("2026-10-27", "2026-11-03"),
    "the night clocks went back": ReportQuery("2026-11-01", "2026-11-01"),
    "psos only": ReportQuery("2026-10-27", "2026-11-03", line="psos"),
    "one urgency": ReportQuery("2026-10-27", "2026-11-03", urgency="High"),
}


@pytest.fixture
def history(session_factory: sessionmaker[Session]) -> World:
    world = build_world(session_factory)
    examples = scenario_examples(ROOT / "playbooks" / "rondesse")
    done = write_history(session_factory, "rondesse", 8, NOW, per_day=14, examples=examples)
    assert done.refused >= 3 and done.scenarios >= 3 and done.missed >= 1
    # MyOperator's teams take email: tickets, replies, reminders and breaches for the SLA report.
    mail = write_history(session_factory, "myoperator", 8, NOW, per_day=4, tickets_per_day=2)
    assert mail.tickets >= 16 and mail.tickets_breached >= 1
    return world


def _filters(s: Session, world: World) -> dict[str, ReportFilter]:
    found = {n: reports.report_filter(s, world.supervisor_sam, q, NOW) for n, q in QUERIES.items()}
    agent = s.scalar(
        select(Interaction.agent_id)
        .where(Interaction.org_id == "rondesse", Interaction.agent_id.is_not(None))
        .limit(1)
    )
    found["one agent"] = found["all"].but(agent_id=agent)
    return found


def test_postgres_aggregates_equal_the_plain_definitions(
    session_factory: sessionmaker[Session], history: World
) -> None:
    with session_factory() as s:
        if s.get_bind().dialect.name != "postgresql":
            pytest.skip("reports.pg runs on PostgreSQL only (the PostgreSQL pass runs this)")
        filters = _filters(s, history)
        olga = reports.report_filter(s, history.other_org_olga, QUERIES["all"], NOW)
        for name, f in {**filters, "myoperator": olga, "one team": olga.but(team="legal")}.items():
            calls = query.calls(s, f)
            assert pg.volume(s, f) == volume(calls, f), name
            assert pg.handling(s, f) == handling_report(calls), name
            assert pg.sla(s, f, NOW) == sla(query.tickets(s, f), f, NOW), name
        whole = pg.volume(s, filters["all"])
        tickets = pg.sla(s, olga, NOW).total
    assert whole.total.calls >= 50 and whole.total.missed + whole.total.abandoned >= 1
    assert tickets.tickets >= 16 and tickets.breached >= 1 and tickets.met >= 1
    # 1 November had 25 hours in New York: its calls are counted on their local day.
    assert sum(d.calls for d in whole.by_day if d.day == "2026-11-01") >= 1


def _documentation_and_adherence(s: Session, world: World) -> str:
    trace = traceability_for(ROOT / "playbooks", "rondesse")
    found = {
        f"{name} {kind}": reports.build(s, kind, f, NOW, trace).model_dump(mode="json")
        for name, f in _filters(s, world).items()
        for kind in (ReportKind.DOCUMENTATION, ReportKind.ADHERENCE)
    }
    return json.dumps(found, sort_keys=True)


def test_stored_patterns_give_what_each_calls_progress_gives(
    session_factory: sessionmaker[Session], history: World
) -> None:
    with session_factory() as s:
        stored = _documentation_and_adherence(s, history)
        patterns = s.scalar(select(func.count(func.distinct(Interaction.pattern_id))))
    with transaction(session_factory) as s:
        s.execute(update(Interaction).values(pattern_id=None))  # as before desk_0005
    with session_factory() as s:
        worked_out = _documentation_and_adherence(s, history)
    assert stored == worked_out
    assert patterns and patterns >= 5  # calls that did the same share one
    assert '"skipped": 0' in stored and '"refused": 0' in stored  # both kinds of row exist
    assert any(f'"skipped": {n}' in stored for n in range(1, 50))


def test_the_migration_counts_the_refusals_already_audited(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(alembic_config(url), "desk_0004_task_followup")
    engine = create_engine(url)
    at = "'2026-11-25 10:00:00'"
    missing = [
        {"code": "step_required", "step": "greet", "message": "Greet the caller"},
        {"code": "field_required", "scenario": "crypto", "field": "amount", "message": "Amount"},
    ]
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO org (id, name, created_at) VALUES ('o', 'O', {at})"))
        conn.execute(
            text(
                "INSERT INTO interaction (id, org_id, external_id, channel, state, line_id, "
                "line_name, matched_by, warnings, urgency_id, urgency_name, urgency_rank, "
                "playbook_version, progress, rang_at, last_event_at) VALUES (7, 'o', 's1', "
                f"'phone', 'active', 'main', 'Main', 'number', '[]', 'n', 'Normal', 1, '1', "
                f"'{{}}', {at}, {at})"
            )
        )
        for n in range(2):
            conn.execute(
                text(
                    "INSERT INTO audit_entry (org_id, at, actor, action, object_type, object_id, "
                    f"detail) VALUES ('o', {at}, 'a@o', 'interaction.wrap_up_refused', "
                    "'interaction', '7', :detail)"
                ),
                {"detail": json.dumps({"missing": missing[: n + 1]})},
            )
    migrate(url)
    factory = sessionmaker(engine)
    with factory() as s:
        assert s.scalar(select(Interaction.wrap_up_refusals).where(Interaction.id == 7)) == 2
        items = s.scalars(select(RefusedItem).order_by(RefusedItem.id)).all()
        assert [(i.place, i.code, i.scenario) for i in items] == [
            ("greet", "step_required", None),
            ("greet", "step_required", None),
            ("amount", "field_required", "crypto"),
        ]
        assert {i.interaction_id for i in items} == {7}
    engine.dispose()
