"""SLA (pure): tickets by team, met and breached, first response and resolution times,
reminders sent, and "breaching soon": open tickets whose reminder fired (past the policy's
`remind_at` share of their time) and that are still in time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from sopdesk.escalations.models import SlaState
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.rows import TicketRow
from sopdesk.reports.stats import Spread, seconds, share, spread


class TeamSla(BaseModel):
    team: str
    tickets: int
    met: int
    breached: int
    running: int
    met_share: float | None
    first_response: Spread
    resolution: Spread
    reminders: int
    breaching_soon: int


class SlaDay(BaseModel):
    day: str
    received: int
    breached: int
    reminded: int  # tickets whose reminder fired, received that day


class SlaReport(BaseModel):
    total: TeamSla
    by_team: list[TeamSla]
    by_day: list[SlaDay]


def _soon(t: TicketRow, now: datetime) -> bool:
    # The sweeper moves a ticket to `reminded` when its reminder fires, on to `breached` at its
    # due time; a reply moves it to `met`.
    due = t.sla_due_at
    return t.sla_state == SlaState.REMINDED.value and (due is None or due > now)


def team_sla(team: str, tickets: Sequence[TicketRow], now: datetime) -> TeamSla:
    met = sum(1 for t in tickets if t.sla_state == SlaState.MET.value)
    breached = sum(1 for t in tickets if t.sla_state == SlaState.BREACHED.value)
    running = sum(
        1 for t in tickets if t.sla_state in (SlaState.RUNNING.value, SlaState.REMINDED.value)
    )
    return TeamSla(
        team=team,
        tickets=len(tickets),
        met=met,
        breached=breached,
        running=running,
        met_share=share(met, met + breached),
        first_response=spread(
            [seconds(t.first_response_at, t.received_at) for t in tickets if t.first_response_at]
        ),
        resolution=spread(
            [seconds(t.resolved_at, t.received_at) for t in tickets if t.resolved_at]
        ),
        reminders=sum(t.reminders for t in tickets),
        breaching_soon=sum(1 for t in tickets if _soon(t, now)),
    )


def _by_day(tickets: Sequence[TicketRow], f: ReportFilter) -> list[SlaDay]:
    groups: dict[str, list[TicketRow]] = defaultdict(list)
    for t in tickets:
        groups[t.received_at.astimezone(f.zone).date().isoformat()].append(t)
    return [
        SlaDay(
            day=d.isoformat(),
            received=len(rows := groups.get(d.isoformat(), [])),
            breached=sum(1 for t in rows if t.sla_state == SlaState.BREACHED.value),
            reminded=sum(1 for t in rows if t.reminders),
        )
        for d in f.days()
    ]


def sla(tickets: Sequence[TicketRow], f: ReportFilter, now: datetime) -> SlaReport:
    groups: dict[str, list[TicketRow]] = defaultdict(list)
    for t in tickets:
        groups[t.team].append(t)
    return SlaReport(
        total=team_sla("all", tickets, now),
        by_team=[team_sla(team, rows, now) for team, rows in sorted(groups.items())],
        by_day=_by_day(tickets, f),
    )
