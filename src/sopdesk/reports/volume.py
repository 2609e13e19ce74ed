"""Volume and service (pure): calls by line, urgency, day and hour, answered within the line's
target, speed of answer, missed and abandoned, calls per agent.

A call is *answered* once an agent (or the phone) answered it; its wait is from ringing to then.
A call that ended unanswered is *abandoned* when the caller hung up within the line's target
(nobody could have answered it in time) and *missed* when it rang longer. The service level is
the share answered within target, of the calls not abandoned and no longer ringing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from sopdesk.desk.models import State
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.rows import CallRow
from sopdesk.reports.stats import Spread, seconds, share, spread


class Service(BaseModel):
    """Counts of one group of calls; waits in seconds."""

    calls: int
    answered: int
    answered_in_target: int
    missed: int
    abandoned: int
    service_level: float | None
    speed_of_answer: Spread


class LineService(Service):
    line_id: str
    line_name: str
    answer_within_seconds: float


class UrgencyCount(BaseModel):
    urgency: str
    calls: int


class DayCount(BaseModel):
    day: str  # ISO date in the org's zone
    line_id: str
    calls: int
    answered: int
    missed: int
    abandoned: int


class HourCount(BaseModel):
    hour: int  # 0-23 in the org's zone
    line_id: str
    calls: int


class AgentCount(BaseModel):
    agent_id: int
    agent_name: str
    answered: int
    answered_in_target: int


class VolumeReport(BaseModel):
    total: Service
    by_line: list[LineService]
    by_urgency: list[UrgencyCount]
    by_day: list[DayCount]
    by_hour: list[HourCount]
    by_agent: list[AgentCount]


def _answered(c: CallRow) -> bool:
    return c.answered_at is not None


def _in_target(c: CallRow) -> bool:
    return c.answered_at is not None and c.answered_at - c.rang_at <= c.answer_within


def _unanswered_end(c: CallRow) -> bool:
    return c.state == State.MISSED.value


def _abandoned(c: CallRow) -> bool:
    end = c.ended_at or c.rang_at
    return _unanswered_end(c) and end - c.rang_at <= c.answer_within


def _missed(c: CallRow) -> bool:
    return _unanswered_end(c) and not _abandoned(c)


def _count(calls: Iterable[CallRow], test: Callable[[CallRow], bool]) -> int:
    return sum(1 for c in calls if test(c))


def service(calls: Sequence[CallRow]) -> Service:
    answered = [c for c in calls if _answered(c)]
    in_target = _count(calls, _in_target)
    abandoned = _count(calls, _abandoned)
    ringing = _count(calls, lambda c: c.state == State.RINGING.value)
    waits = [seconds(c.answered_at, c.rang_at) for c in answered if c.answered_at]
    return Service(
        calls=len(calls),
        answered=len(answered),
        answered_in_target=in_target,
        missed=_count(calls, _missed),
        abandoned=abandoned,
        service_level=share(in_target, len(calls) - abandoned - ringing),
        speed_of_answer=spread(waits),
    )


def _by_line(calls: Sequence[CallRow]) -> list[LineService]:
    groups: dict[str, list[CallRow]] = defaultdict(list)
    for c in calls:
        groups[c.line_id].append(c)
    return [
        LineService(
            line_id=line,
            line_name=rows[-1].line_name,
            answer_within_seconds=rows[-1].answer_within.total_seconds(),
            **service(rows).model_dump(),
        )
        for line, rows in sorted(groups.items())
    ]


def _by_day(calls: Sequence[CallRow], f: ReportFilter) -> list[DayCount]:
    groups: dict[tuple[str, str], list[CallRow]] = defaultdict(list)
    for c in calls:
        groups[(c.rang_at.astimezone(f.zone).date().isoformat(), c.line_id)].append(c)
    lines = sorted({c.line_id for c in calls})
    return [
        DayCount(
            day=day.isoformat(),
            line_id=line,
            calls=len(rows := groups.get((day.isoformat(), line), [])),
            answered=_count(rows, _answered),
            missed=_count(rows, _missed),
            abandoned=_count(rows, _abandoned),
        )
        for day in f.days()
        for line in lines
    ]


def _by_hour(calls: Sequence[CallRow], zone: ZoneInfo) -> list[HourCount]:
    counts = Counter((c.rang_at.astimezone(zone).hour, c.line_id) for c in calls)
    lines = sorted({c.line_id for c in calls})
    return [
        HourCount(hour=h, line_id=line, calls=counts[(h, line)])
        for h in range(24)
        for line in lines
    ]


def _by_agent(calls: Sequence[CallRow]) -> list[AgentCount]:
    groups: dict[int, list[CallRow]] = defaultdict(list)
    for c in calls:
        if c.agent_id is not None and _answered(c):
            groups[c.agent_id].append(c)
    found = [
        AgentCount(
            agent_id=agent,
            agent_name=rows[-1].agent_name or "",
            answered=len(rows),
            answered_in_target=_count(rows, _in_target),
        )
        for agent, rows in groups.items()
    ]
    return sorted(found, key=lambda a: (-a.answered, a.agent_name))


def volume(calls: Sequence[CallRow], f: ReportFilter) -> VolumeReport:
    """The volume and service report of `calls` (already filtered) over `f`'s days."""
    urgencies = Counter(c.urgency for c in calls)
    return VolumeReport(
        total=service(calls),
        by_line=_by_line(calls),
        by_urgency=[UrgencyCount(urgency=u, calls=n) for u, n in sorted(urgencies.items())],
        by_day=_by_day(calls, f),
        by_hour=_by_hour(calls, f.zone),
        by_agent=_by_agent(calls),
    )
