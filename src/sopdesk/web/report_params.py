"""The query string of a report, for the API and the pages alike: range, filters, format."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request

from sopdesk.reports.service import ReportQuery
from sopdesk.reports.traceability import Traceability, traceability_for
from sopdesk.settings import Settings

Format = Literal["json", "csv"]


def report_query(
    start: Annotated[
        str | None,
        Query(alias="from", max_length=10, description="first day, YYYY-MM-DD, org's zone"),
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", max_length=10, description="last day (inclusive); default today"),
    ] = None,
    line: Annotated[str | None, Query(max_length=64, description="a line id")] = None,
    agent: Annotated[int | None, Query(ge=1, description="an agent's user id")] = None,
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
