"""The query string of a report, for the API and the pages alike: range, filters, format."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request

from sopdesk.reports.service import ReportQuery
from sopdesk.reports.traceability import Traceability, traceability_for
from sopdesk.settings import Settings
from sopdesk.web.ids import MAX_ID

Format = Literal["json", "csv"]
# Read as text (`reports.filters.parse_range` names a bad day in the page's words), documented
# as what it must be: an ISO day, or empty (a report form sent with the box left blank).
DAY: dict[str, Any] = {
    "max_length": 10,
    "json_schema_extra": {"anyOf": [{"format": "date"}, {"maxLength": 0}]},
}


def report_query(
    start: Annotated[
        str | None,
        Query(alias="from", description="first day, YYYY-MM-DD, org's zone", **DAY),
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", description="last day (inclusive); default today", **DAY),
    ] = None,
    line: Annotated[str | None, Query(max_length=64, description="a line id")] = None,
    agent: Annotated[int | None, Query(ge=1, le=MAX_ID, description="an agent's user id")] = None,
    team: Annotated[str | None, Query(max_length=64, description="a team id")] = None,
    playbook_version: Annotated[str | None, Query(max_length=64)] = None,
    urgency: Annotated[str | None, Query(max_length=64, description="an urgency name")] = None,
) -> ReportQuery:
    """The range defaults to the seven days up to today in the org's zone."""
    return ReportQuery(start, end, line, agent, team, playbook_version, urgency)


def org_traceability(request: Request, org_id: str) -> Traceability:
    """The org's traceability table, beside its playbook in the app's playbooks folder."""
    settings: Settings = request.app.state.settings
    return traceability_for(settings.playbooks, org_id)
