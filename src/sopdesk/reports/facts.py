"""Reads what the desk wrote for the documentation and adherence reports, grouped by the
database: each call's refused attempts and their items, the pattern of what each wrapped-up
call did with its playbook (desk.patterns), and the hand-off tasks of the range's calls.

Calls wrapped up before the desk kept patterns (desk_0005) have none: theirs are worked out
here from their progress and their wrap-up's audit entry, as the reports did before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from sopdesk.crm.models import Task
from sopdesk.desk.models import CallPattern, Interaction, RefusedItem, State
from sopdesk.desk.patterns import ElementUse, element_uses, uses_from_json
from sopdesk.desk.service import playbook_of
from sopdesk.reports.adherence import EXAMPLES, PatternCalls, RefusalCount
from sopdesk.reports.documentation import HandoffCounts, MissingRank, WrapUps, wrap_ups
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.pg import on_postgres
from sopdesk.reports.query import call_conditions, wrap_attempts

Call = Interaction  # short: every query here reads it
_CLOSED = Call.state == State.CLOSED.value


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def wrap_ups_and_records(session: Session, f: ReportFilter) -> tuple[WrapUps, Counter[str]]:
    """Wrapped up, first try (no refusal before: none can come after) and refused attempts;
    and the records the accepted wrap-ups wrote, by kind. One pass, grouped by pattern."""
    rows = session.execute(
        select(
            Call.pattern_id,
            _sum(_CLOSED),
            _sum(and_(_CLOSED, Call.wrap_up_refusals == 0)),
            func.coalesce(func.sum(Call.wrap_up_refusals), 0),
        )
        .where(*call_conditions(f))
        .group_by(Call.pattern_id)
    ).all()
    wrapped, first_try, refusals = (sum(int(r[n] or 0) for r in rows) for n in (1, 2, 3))
    counts = wrap_ups(wrapped, first_try, refusals)
    patterns = _patterns(session, {r[0] for r in rows if r[0] is not None})
    found: Counter[str] = Counter()
    for pid, closed, _, _ in rows:
        for kind in patterns[pid].written if pid is not None else ():
            found[kind] += int(closed)
    if any(pid is None and closed for pid, closed, _, _ in rows):
        old = [i.id for i in _unpatterned(session, f)]
        for attempt in wrap_attempts(session, f.org_id, old):
            if attempt.accepted:
                found.update(attempt.written)
    return counts, found


def _refused_items(f: ReportFilter) -> list[ColumnElement[bool]]:
    # The item's own org and range first (its index), then the call's filters.
    return [
        RefusedItem.org_id == f.org_id,
        RefusedItem.rang_at >= f.start,
        RefusedItem.rang_at < f.end,
        *call_conditions(f),
    ]


def _beyond_range(f: ReportFilter) -> bool:
    """Whether the filter names calls by more than org and range (which an item carries)."""
    return any(v is not None for v in (f.line, f.agent_id, f.playbook_version, f.urgency))


def missing(session: Session, f: ReportFilter) -> list[MissingRank]:
    """Each (place, code) refused wrap-ups named: how often, on how many calls, and the
    message of the first time."""
    q = (
        select(
            RefusedItem.place,
            RefusedItem.code,
            func.count(),
            func.count(func.distinct(RefusedItem.interaction_id)),
            func.min(RefusedItem.id),
        )
        .where(RefusedItem.org_id == f.org_id, RefusedItem.rang_at >= f.start)
        .where(RefusedItem.rang_at < f.end)
        .group_by(RefusedItem.place, RefusedItem.code)
    )
    if _beyond_range(f):
        q = q.join(Call, Call.id == RefusedItem.interaction_id).where(*call_conditions(f))
    rows = session.execute(q).all()
    first = [r[4] for r in rows]
    messages = dict(
        session.execute(
            select(RefusedItem.id, RefusedItem.message).where(RefusedItem.id.in_(first))
        ).all()
    )
    return [
        MissingRank(place=place, code=code, message=messages[fid], times=times, calls=calls)
        for place, code, times, calls, fid in rows
    ]


def _patterns(session: Session, ids: set[int]) -> dict[int, CallPattern]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(CallPattern).where(CallPattern.id.in_(ids)))}


def _unpatterned(session: Session, f: ReportFilter) -> Sequence[Interaction]:
    """Calls of the range wrapped up before the desk kept patterns."""
    return session.scalars(
        select(Call)
        .where(*call_conditions(f), _CLOSED, Call.pattern_id.is_(None))
        .order_by(Call.rang_at, Call.id)
    ).all()


def handoff_counts(session: Session, f: ReportFilter, now: datetime) -> list[HandoffCounts]:
    """The range's calls' tasks for a team: done on time, late, open past due."""
    done = Task.done_at.is_not(None)
    q = (
        select(
            Task.team,
            func.count(),
            _sum(and_(done, Task.done_at <= Task.due_at)),
            _sum(and_(done, Task.done_at > Task.due_at)),
            _sum(and_(Task.done_at.is_(None), Task.due_at < now)),
        )
        .where(
            Task.org_id == f.org_id,
            Task.team.is_not(None),
            # A semi-join, not a join: SQLite then indexes the range's ids once instead of
            # scanning every task for each call (minutes on a month of calls).
            Task.interaction_id.in_(select(Call.id).where(*call_conditions(f))),
        )
        .group_by(Task.team)
    )
    if f.team:
        q = q.where(Task.team == f.team)
    return [
        HandoffCounts(str(t), n, int(a), int(b), int(c)) for t, n, a, b, c in session.execute(q)
    ]


# -- adherence --------------------------------------------------------------------------------


def _uses(pattern: CallPattern) -> tuple[ElementUse, ...]:
    return uses_from_json(pattern.uses)


def pattern_calls(session: Session, f: ReportFilter) -> list[PatternCalls]:
    """The range's wrapped-up calls grouped by pattern and agent: how many, the first and the
    latest few (one sort: a window over each group, newest first, whose whole frame also gives
    the oldest)."""
    agent = func.coalesce(Call.agent_name, "")
    # Grouping needs equality only: byte order sorts far faster than the locale's collation.
    group = (Call.pattern_id, agent.collate("C") if on_postgres(session) else agent)
    newest_first = (Call.rang_at.desc(), Call.id.desc())
    whole: Any = {"partition_by": group, "order_by": newest_first, "rows": (None, None)}
    ranked = (
        select(
            Call.pattern_id.label("pattern_id"),
            agent.label("agent"),
            Call.rang_at.label("rang_at"),
            Call.id.label("id"),
            func.row_number().over(partition_by=group, order_by=newest_first).label("newest"),
            func.count().over(**whole).label("n"),
            func.last_value(Call.rang_at).over(**whole).label("first_at"),
            func.last_value(Call.id).over(**whole).label("first_id"),
        )
        .where(*call_conditions(f), _CLOSED)
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.newest <= EXAMPLES)).all()
    grouped: dict[tuple[int, str], list[Any]] = {}
    unpatterned = False  # calls wrapped up before patterns: worked out one by one below
    for r in rows:
        if r.pattern_id is None:
            unpatterned = True
            continue
        grouped.setdefault((r.pattern_id, r.agent), []).append(r)
    patterns = _patterns(session, {pid for pid, _ in grouped})
    found = []
    for (pid, name), members in grouped.items():
        latest = tuple(sorted((r.rang_at, r.id) for r in members))
        first = (members[0].first_at, members[0].first_id)
        found.append(PatternCalls(_uses(patterns[pid]), name, members[0].n, first, latest))
    for i in _unpatterned(session, f) if unpatterned else ():
        uses = element_uses(playbook_of(session, i), i)
        key = (i.rang_at, i.id)
        found.append(PatternCalls(uses, i.agent_name or "", 1, key, (key,)))
    return found


def refusal_counts(session: Session, f: ReportFilter) -> list[RefusalCount]:
    """Refused items of the range's wrapped-up calls, by pattern (or call, for a call that
    has none), line and item."""
    alone = case((Call.pattern_id.is_(None), Call.id), else_=None)
    keys = (
        Call.pattern_id,
        alone,
        Call.line_id,
        RefusedItem.scenario,
        RefusedItem.place,
        RefusedItem.code,
    )
    rows = session.execute(
        select(*keys, func.count())
        .join(Call, Call.id == RefusedItem.interaction_id)
        .where(*_refused_items(f), _CLOSED)
        .group_by(*keys)
    ).all()
    patterns = _patterns(session, {r[0] for r in rows if r[0] is not None})
    unpatterned = _unpatterned(session, f) if any(r[1] is not None for r in rows) else ()
    old = {i.id: element_uses(playbook_of(session, i), i) for i in unpatterned}
    return [
        RefusalCount(
            _uses(patterns[pid]) if pid is not None else old[iid],
            line,
            scenario,
            place,
            code,
            n,
        )
        for pid, iid, line, scenario, place, code, n in rows
    ]
