"""The report pages: `/reports` (every report's headline figures) and `/reports/{kind}` (its
charts, each over the table of its numbers, and CSV links). The figures are
`reports.service.build`'s, the same the API returns; the filter form is a plain GET."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sopdesk.reports.options import filter_options
from sopdesk.reports.service import ReportKind, ReportQuery, build, period, report_filter
from sopdesk.reports.tables import tables
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound
from sopdesk.web.report_params import org_traceability, report_query
from sopdesk.web.templating import render
from sopdesk.web.ui.report_charts import CHARTS, TITLES, cell_text, column_label

router = APIRouter()
QueryDep = Annotated[ReportQuery, Depends(report_query)]
_KINDS = {kind.value: kind for kind in ReportKind}


def _query_string(q: ReportQuery, from_day: str, to_day: str) -> str:
    """The page's filters as a query string (for the CSV links and the report tabs)."""
    pairs = {
        "from": from_day,
        "to": to_day,
        "line": q.line,
        "agent": q.agent,
        "team": q.team,
        "playbook_version": q.playbook_version,
        "urgency": q.urgency,
    }
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "")})


@router.get("/reports")
def reports_index(
    request: Request, session: SessionDep, user: CurrentUser, now: Now, q: QueryDep
) -> HTMLResponse:
    f = report_filter(session, user, q, now)
    trace = org_traceability(request, user.org_id)
    headline = {kind: tables(build(session, kind, f, now, trace).data)[0] for kind in ReportKind}
    context = {
        "kind": None,
        "titles": TITLES,
        "headline": headline,
        "period": period(f),
        "options": filter_options(session, user),
        "query": q,
        "qs": _query_string(q, f.first.isoformat(), f.last.isoformat()),
        "column_label": column_label,
        "cell_text": cell_text,
    }
    return render(request, "reports/index.html", context)


def _kind(name: str) -> ReportKind:
    """A report page that does not exist is a page not found (404), like any other unknown URL."""
    found = _KINDS.get(name)
    if found is None:
        raise NotFound("report")
    return found


@router.get("/reports/{kind}")
def report_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    kind: str,
    q: QueryDep,
) -> HTMLResponse:
    report_kind = _kind(kind)
    f = report_filter(session, user, q, now)
    report = build(session, report_kind, f, now, org_traceability(request, user.org_id))
    context = {
        "kind": report_kind,
        "titles": TITLES,
        "tables": {t.name: t for t in tables(report.data)},
        "charts": CHARTS[report_kind],
        "period": report.period,
        "options": filter_options(session, user),
        "query": q,
        "qs": _query_string(q, f.first.isoformat(), f.last.isoformat()),
        "column_label": column_label,
        "cell_text": cell_text,
    }
    return render(request, "reports/report.html", context)
