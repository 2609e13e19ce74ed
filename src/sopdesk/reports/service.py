"""Reports for one reader: the range and filters checked, scoped to what the role may see, the
rows read and aggregated.

Supervisors and admins see their whole org. An agent sees only the calls they took; a team
member only their own calls and their team's tasks and tickets. A filter outside that scope is
refused (403), never silently widened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeAlias, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desk.models import Interaction, State
from sopdesk.desk.service import plan_for
from sopdesk.orgs.models import Role, User
from sopdesk.orgs.service import org_zone
from sopdesk.reports import facts, pg, query
from sopdesk.reports.adherence import AdherenceReport, adherence
from sopdesk.reports.documentation import (
    DocumentationReport,
    handoffs,
    missing_ranked,
    records,
)
from sopdesk.reports.filters import ReportError, ReportFilter, parse_range
from sopdesk.reports.handling import HandlingReport, handling_report
from sopdesk.reports.sla import SlaReport, sla
from sopdesk.reports.traceability import Traceability
from sopdesk.reports.volume import VolumeReport, volume


class ReportKind(StrEnum):
    VOLUME = "volume"
    HANDLING = "handling"
    DOCUMENTATION = "documentation"
    SLA = "sla"
    ADHERENCE = "adherence"


@dataclass(frozen=True)
class ReportQuery:
    """A report request as typed by a person or a script (dates as ISO text)."""

    start: str | None = None
    end: str | None = None
    line: str | None = None
    agent: int | None = None
    team: str | None = None
    playbook_version: str | None = None
    urgency: str | None = None


class Period(BaseModel):
    """What a report covers: days `from_day`..`to_day` in `zone`, and the filters applied."""

    org_id: str
    zone: str
    from_day: date
    to_day: date
    line: str | None
    agent: int | None
    team: str | None
    playbook_version: str | None
    urgency: str | None


T = TypeVar("T", bound=BaseModel)


class Report(BaseModel, Generic[T]):
    period: Period
    data: T


def _scoped(user: User, f: ReportFilter) -> ReportFilter:
    if user.role in (Role.SUPERVISOR.value, Role.ADMIN.value):
        return f
    if f.agent_id not in (None, user.id):
        raise ReportError(403, "forbidden", "you may see reports of your own calls only")
    if user.role == Role.TEAM.value:
        if f.team not in (None, user.team):
            raise ReportError(403, "forbidden", "you may see reports of your own team only")
        return f.but(agent_id=user.id, team=user.team)
    # An agent: their own calls; tasks and tickets reach them through their calls only.
    return f.but(agent_id=user.id)


def report_filter(session: Session, user: User, q: ReportQuery, now: datetime) -> ReportFilter:
    """The filter of `q` for `user`: range read in the org's zone, scoped to the role."""
    zone = org_zone(session, user.org_id)
    first, last = parse_range(q.start, q.end, now.astimezone(zone).date())
    f = ReportFilter(
        org_id=user.org_id,
        zone=zone,
        first=first,
        last=last,
        line=q.line or None,
        agent_id=q.agent,
        team=q.team or None,
        playbook_version=q.playbook_version or None,
        urgency=q.urgency or None,
    )
    return _scoped(user, f)


def period(f: ReportFilter) -> Period:
    return Period(
        org_id=f.org_id,
        zone=f.zone.key,
        from_day=f.first,
        to_day=f.last,
        line=f.line,
        agent=f.agent_id,
        team=f.team,
        playbook_version=f.playbook_version,
        urgency=f.urgency,
    )


def volume_report(session: Session, f: ReportFilter) -> Report[VolumeReport]:
    if pg.on_postgres(session):
        return Report[VolumeReport](period=period(f), data=pg.volume(session, f))
    return Report[VolumeReport](period=period(f), data=volume(query.calls(session, f), f))


def handling_of(session: Session, f: ReportFilter) -> Report[HandlingReport]:
    if pg.on_postgres(session):
        return Report[HandlingReport](period=period(f), data=pg.handling(session, f))
    return Report[HandlingReport](period=period(f), data=handling_report(query.calls(session, f)))


def _outstanding(session: Session, f: ReportFilter, now: datetime) -> dict[int, list[str]]:
    """What the filter's calls waiting in wrap-up still owe, by record kind."""
    # The filter's own conditions, not an IN list of the range's ids: PostgreSQL refuses more
    # than 65,535 parameters, and a busy month has more calls than that.
    waiting = session.scalars(
        select(Interaction).where(
            *query.call_conditions(f), Interaction.state == State.WRAP_UP.value
        )
    ).all()
    return {i.id: [r.record for r in plan_for(session, i, now).records] for i in waiting}


def documentation_report(
    session: Session, f: ReportFilter, now: datetime
) -> Report[DocumentationReport]:
    wrap_ups, written = facts.wrap_ups_and_records(session, f)
    data = DocumentationReport(
        wrap_ups=wrap_ups,
        missing=missing_ranked(facts.missing(session, f)),
        records=records(written, _outstanding(session, f, now)),
        handoffs=handoffs(facts.handoff_counts(session, f, now)),
    )
    return Report[DocumentationReport](period=period(f), data=data)


def sla_report(session: Session, f: ReportFilter, now: datetime) -> Report[SlaReport]:
    if f.agent_id is not None and f.team is None:
        # An agent's own tickets are not a thing: tickets belong to teams.
        return Report[SlaReport](period=period(f), data=sla([], f, now))
    if pg.on_postgres(session):
        return Report[SlaReport](period=period(f), data=pg.sla(session, f, now))
    return Report[SlaReport](period=period(f), data=sla(query.tickets(session, f), f, now))


def adherence_report(
    session: Session, f: ReportFilter, trace: Traceability
) -> Report[AdherenceReport]:
    data = adherence(facts.pattern_calls(session, f), facts.refusal_counts(session, f), trace)
    return Report[AdherenceReport](period=period(f), data=data)


AnyReport: TypeAlias = (
    Report[VolumeReport]
    | Report[HandlingReport]
    | Report[DocumentationReport]
    | Report[SlaReport]
    | Report[AdherenceReport]
)


def build(
    session: Session,
    kind: ReportKind,
    f: ReportFilter,
    now: datetime,
    trace: Traceability | None = None,
) -> AnyReport:
    """The report of `kind` over `f` (already scoped by `report_filter`); adherence links each
    element to the SOP sentences of `trace` (`traceability.traceability_for`)."""
    if pg.on_postgres(session):
        pg.tune(session)
    match kind:
        case ReportKind.VOLUME:
            return volume_report(session, f)
        case ReportKind.HANDLING:
            return handling_of(session, f)
        case ReportKind.DOCUMENTATION:
            return documentation_report(session, f, now)
        case ReportKind.SLA:
            return sla_report(session, f, now)
        case ReportKind.ADHERENCE:
            return adherence_report(session, f, trace or Traceability())
