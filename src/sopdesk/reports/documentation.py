"""Documentation compliance (pure): wrap-ups accepted on the first try, what was missing when
refused (ranked), records written by kind against what the playbook owed, and hand-off tasks
done on time by team.

A refused wrap-up is the audit entry `interaction.wrap_up_refused` (desk.wrapup) with what was
missing; an accepted one is `interaction.wrapped_up` with what it wrote. Owed records are what
the accepted wrap-ups wrote plus what calls waiting in wrap-up still owe.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from sopdesk.reports.rows import MissingItem, TaskRow, WrapAttempt
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


def wrap_ups(attempts: Sequence[WrapAttempt]) -> WrapUps:
    refused_before: Counter[int] = Counter()
    first_try = wrapped = 0
    for a in attempts:  # in time order
        if not a.accepted:
            refused_before[a.interaction_id] += 1
            continue
        wrapped += 1
        first_try += refused_before[a.interaction_id] == 0
    refusals = sum(1 for a in attempts if not a.accepted)
    return WrapUps(
        wrapped_up=wrapped,
        first_try=first_try,
        first_try_share=share(first_try, wrapped),
        refusals=refusals,
    )


def missing_ranked(attempts: Sequence[WrapAttempt]) -> list[MissingRank]:
    times: Counter[tuple[str, str]] = Counter()
    calls: dict[tuple[str, str], set[int]] = defaultdict(set)
    example: dict[tuple[str, str], MissingItem] = {}
    for a in attempts:
        for m in a.missing:
            key = (m.place, m.code)
            times[key] += 1
            calls[key].add(a.interaction_id)
            example.setdefault(key, m)
    ranked = sorted(times.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        MissingRank(place=k[0], code=k[1], message=example[k].message, times=n, calls=len(calls[k]))
        for k, n in ranked
    ]


def records(
    attempts: Sequence[WrapAttempt], outstanding: Mapping[int, Sequence[str]]
) -> list[RecordCount]:
    written = Counter(kind for a in attempts if a.accepted for kind in a.written)
    still = Counter(kind for kinds in outstanding.values() for kind in kinds)
    return [
        RecordCount(kind=k, owed=written[k] + still[k], written=written[k])
        for k in KINDS
        if written[k] or still[k]
    ]


def handoffs(tasks: Sequence[TaskRow], now: datetime) -> list[TeamHandoffs]:
    groups: dict[str, list[TaskRow]] = defaultdict(list)
    for t in tasks:
        if t.team:
            groups[t.team].append(t)
    found = []
    for team, rows in sorted(groups.items()):
        on_time = sum(1 for t in rows if t.done_at and t.done_at <= t.due_at)
        late = sum(1 for t in rows if t.done_at and t.done_at > t.due_at)
        overdue = sum(1 for t in rows if not t.done_at and t.due_at < now)
        found.append(
            TeamHandoffs(
                team=team,
                tasks=len(rows),
                done_on_time=on_time,
                done_late=late,
                open_overdue=overdue,
                open_in_time=len(rows) - on_time - late - overdue,
                on_time_share=share(on_time, on_time + late + overdue),
            )
        )
    return found


def documentation(
    attempts: Sequence[WrapAttempt],
    outstanding: Mapping[int, Sequence[str]],
    tasks: Sequence[TaskRow],
    now: datetime,
) -> DocumentationReport:
    return DocumentationReport(
        wrap_ups=wrap_ups(attempts),
        missing=missing_ranked(attempts),
        records=records(attempts, outstanding),
        handoffs=handoffs(tasks, now),
    )
