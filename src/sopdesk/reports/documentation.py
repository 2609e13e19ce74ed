"""Documentation compliance (pure): wrap-ups accepted on the first try, what was missing when
refused (ranked), records written by kind against what the playbook owed, and hand-off tasks
done on time by team.

The desk writes what these count as it goes (desk.wrapup): each call's refused attempts
(`interaction.wrap_up_refusals`) and their items (`wrap_up_refused_item`), and once accepted
the kinds of record it wrote (its `CallPattern`). Owed records are what the accepted wrap-ups
wrote plus what calls waiting in wrap-up still owe. `facts.py` reads them, grouped in SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from sopdesk.reports.stats import share

KINDS = ("call_log", "lead", "account_note", "task", "escalation", "ticket")


class WrapUps(BaseModel):
    wrapped_up: int
    first_try: int
    first_try_share: float | None
    refusals: int


class MissingRank(BaseModel):
    place: str
    code: str
    message: str
    times: int  # refusals that named it
    calls: int  # distinct calls


class RecordCount(BaseModel):
    kind: str
    owed: int
    written: int


class TeamHandoffs(BaseModel):
    team: str
    tasks: int
    done_on_time: int
    done_late: int
    open_overdue: int
    open_in_time: int
    on_time_share: float | None


class DocumentationReport(BaseModel):
    wrap_ups: WrapUps
    missing: list[MissingRank]
    records: list[RecordCount]
    handoffs: list[TeamHandoffs]


@dataclass(frozen=True)
class HandoffCounts:
    """One team's hand-off tasks of the range's calls, as counted by the database."""

    team: str
    tasks: int
    done_on_time: int
    done_late: int
    open_overdue: int


def wrap_ups(wrapped: int, first_try: int, refusals: int) -> WrapUps:
    return WrapUps(
        wrapped_up=wrapped,
        first_try=first_try,
        first_try_share=share(first_try, wrapped),
        refusals=refusals,
    )


def missing_ranked(missing: Sequence[MissingRank]) -> list[MissingRank]:
    """Most often named first; ties by place and code."""
    return sorted(missing, key=lambda m: (-m.times, m.place, m.code))


def records(written: Counter[str], outstanding: Mapping[int, Sequence[str]]) -> list[RecordCount]:
    still = Counter(kind for kinds in outstanding.values() for kind in kinds)
    return [
        RecordCount(kind=k, owed=written[k] + still[k], written=written[k])
        for k in KINDS
        if written[k] or still[k]
    ]


def handoffs(counts: Sequence[HandoffCounts]) -> list[TeamHandoffs]:
    return [
        TeamHandoffs(
            team=c.team,
            tasks=c.tasks,
            done_on_time=c.done_on_time,
            done_late=c.done_late,
            open_overdue=c.open_overdue,
            open_in_time=c.tasks - c.done_on_time - c.done_late - c.open_overdue,
            on_time_share=share(c.done_on_time, c.done_on_time + c.done_late + c.open_overdue),
        )
        for c in sorted(counts, key=lambda c: c.team)
    ]
