"""Reports as data: `GET /api/v1/reports/{volume|handling|documentation|sla|adherence}` in
JSON, or one of a report's tables as CSV (`format=csv&table=NAME`). Scoped by
`reports.service`: your org only, and for agents and team members their own work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from sopdesk.errors import FieldProblem
from sopdesk.reports.adherence import AdherenceReport
from sopdesk.reports.documentation import DocumentationReport
from sopdesk.reports.filters import ReportError
from sopdesk.reports.handling import HandlingReport
from sopdesk.reports.service import AnyReport, Report, ReportKind, ReportQuery, build, report_filter
from sopdesk.reports.sla import SlaReport
from sopdesk.reports.tables import csv_text, tables
from sopdesk.reports.traceability import Traceability
from sopdesk.reports.volume import VolumeReport
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.report_params import Format, org_traceability, report_query

router = APIRouter(prefix="/reports", tags=["reports"])

QueryDep = Annotated[ReportQuery, Depends(report_query)]
FormatParam = Annotated[Format, Query(description="json, or csv: one table of the report")]
TableParam = Annotated[
    str | None, Query(max_length=40, description="the table for CSV; default the first")
]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the report, or one table as CSV"}
}


def as_csv(report: AnyReport, kind: ReportKind, table: str | None) -> Response:
    """One table of the report as a CSV file named after the report, table and range."""
    found = tables(report.data)
    names = [t.name for t in found]
    chosen = next((t for t in found if t.name == (table or names[0])), None)
    if chosen is None:
        problem = FieldProblem("table", f"one of: {', '.join(names)}")
        raise ReportError(422, "invalid", "no such table in this report", [problem])
    p = report.period
    name = f"{kind.value}-{chosen.name}-{p.from_day}-{p.to_day}.csv"
    return Response(
        csv_text(chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _answer(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    kind: ReportKind,
    q: ReportQuery,
    fmt: Format,
    table: str | None,
    trace: Traceability | None = None,
) -> AnyReport | Response:
    report = build(session, kind, report_filter(session, user, q, now), now, trace)
    return as_csv(report, kind, table) if fmt == "csv" else report


@router.get("/volume", response_model=Report[VolumeReport], responses=CSV)
def volume(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    q: QueryDep,
    format: FormatParam = "json",
    table: TableParam = None,
) -> AnyReport | Response:
    """Calls by line, urgency, day and hour (org's zone); answered within the line's
    `answer_within`; speed of answer; missed and abandoned; calls per agent."""
    return _answer(session, user, now, ReportKind.VOLUME, q, format, table)


@router.get("/handling", response_model=Report[HandlingReport], responses=CSV)
def handling(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    q: QueryDep,
    format: FormatParam = "json",
    table: TableParam = None,
) -> AnyReport | Response:
    """Ring, talk, after-call work and handle seconds of wrapped-up calls (median, p90, mean)
    by line, playbook version and agent."""
    return _answer(session, user, now, ReportKind.HANDLING, q, format, table)


@router.get("/documentation", response_model=Report[DocumentationReport], responses=CSV)
def documentation(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    q: QueryDep,
    format: FormatParam = "json",
    table: TableParam = None,
) -> AnyReport | Response:
    """Wrap-ups accepted first try, what refused wrap-ups missed (ranked), records written by
    kind against owed, hand-off tasks on time by team."""
    return _answer(session, user, now, ReportKind.DOCUMENTATION, q, format, table)


@router.get("/sla", response_model=Report[SlaReport], responses=CSV)
def sla(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    q: QueryDep,
    format: FormatParam = "json",
    table: TableParam = None,
) -> AnyReport | Response:
    """Tickets by team: met, breached, first response and resolution seconds, reminders sent,
    breaching soon (reminded, still in time); tickets per day."""
    return _answer(session, user, now, ReportKind.SLA, q, format, table)


@router.get("/adherence", response_model=Report[AdherenceReport], responses=CSV)
def adherence(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    q: QueryDep,
    format: FormatParam = "json",
    table: TableParam = None,
) -> AnyReport | Response:
    """For each playbook step, scenario step and scenario field: how often wrapped-up calls
    reached it, did it, skipped it, and how often a wrap-up was refused for it; by agent; each
    with the SOP sentences behind it (the traceability table) and example call ids."""
    trace = org_traceability(request, user.org_id)
    return _answer(session, user, now, ReportKind.ADHERENCE, q, format, table, trace)
