"""Volume, handling and SLA aggregated by PostgreSQL itself: one statement per report, grouped
by `GROUPING SETS`, medians by `percentile_cont(0.5)` and p90s by `percentile_disc(0.9)` (the
same nearest rank as `stats.spread`), days and hours in the org's zone by `AT TIME ZONE`.

The pure aggregations (`volume.py`, `handling.py`, `sla.py`) state what each figure means and
run on SQLite; these give the same reports without bringing a month of rows into Python.
Tests build one history and assert the same figures on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Interval,
    Row,
    String,
    and_,
    cast,
    column,
    func,
    literal_column,
    select,
    text,
    tuple_,
    values,
)
from sqlalchemy.orm import Session

from sopdesk.desk.models import Interaction, State
from sopdesk.escalations.models import ClockKind, ClockState, SlaClock, SlaState, Ticket
from sopdesk.orgs.service import published_playbooks
from sopdesk.playbooks.language.schema import DEFAULT_ANSWER_WITHIN
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.handling import Handling, HandlingGroup, HandlingReport
from sopdesk.reports.query import call_conditions
from sopdesk.reports.sla import SlaDay, SlaReport, TeamSla
from sopdesk.reports.stats import NO_VALUES, Spread, share
from sopdesk.reports.volume import (
    AgentCount,
    DayCount,
    HourCount,
    LineService,
    Service,
    UrgencyCount,
    VolumeReport,
)


def on_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def tune(session: Session) -> None:
    """For this transaction only: no JIT (compiling these statements costs more than it saves,
    40 to 60 ms each) and enough memory to sort a month of calls without spilling to disk."""
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL work_mem = '64MB'"))


Call = Interaction  # short: every query here reads it
# Text keys grouped in byte order: grouping needs equality only, and the locale's collation
# makes every sort several times slower. The reports order their rows themselves.
LINE = Call.line_id.collate("C")
URGENCY = Call.urgency_name.collate("C")
VERSION = Call.playbook_version.collate("C")
TEAM = Ticket.team.collate("C")


def _zone(f: ReportFilter) -> ColumnElement[str]:
    """The zone as a literal, not a bound parameter: the same expression must appear in the
    select list and in GROUPING SETS, and two parameters would make them two expressions."""
    return literal_column("'" + f.zone.key.replace("'", "''") + "'")


def _seconds(later: Any, earlier: Any) -> ColumnElement[Any]:
    """Seconds between two moments, exactly as Python's timedelta.total_seconds() gives them:
    the interval's numeric epoch, rounded once to float8."""
    return cast(func.extract("epoch", later - earlier), Float)


def _spread_columns(value: Any, name: str) -> list[ColumnElement[Any]]:
    """Count, median, p90 (nearest rank) and mean of a float8 column of seconds."""
    return [
        func.count(value).label(f"{name}_n"),
        func.percentile_cont(0.5).within_group(value).label(f"{name}_median"),
        func.percentile_disc(0.9).within_group(value).label(f"{name}_p90"),
        func.avg(value).label(f"{name}_mean"),
    ]


def _measured(columns: Sequence[Any], *where: ColumnElement[bool]) -> Any:
    """The calls' keys and seconds, worked out once per call: aggregates over a view of them
    that PostgreSQL may inline would each work every row's seconds out again (in numeric)."""
    return select(*columns).where(*where).cte("measured").prefix_with("MATERIALIZED")


def _spread(row: Row[Any], name: str) -> Spread:
    n = getattr(row, f"{name}_n")
    if not n:
        return NO_VALUES
    mean = getattr(row, f"{name}_mean")
    return Spread(
        count=n,
        median=float(getattr(row, f"{name}_median")),
        p90=float(getattr(row, f"{name}_p90")),
        mean=round(float(mean), 3),
    )


def _latest(
    session: Session,
    f: ReportFilter,
    key: Any,
    last_at: dict[Any, datetime],
    columns: Sequence[Any],
    *where: ColumnElement[bool],
) -> dict[Any, Row[Any]]:
    """Each key's last call (by ringing time, then id), as the pure reports take a group's name
    from its last row: the groups' latest ringing times came with their counts, so this reads
    only the calls that rang at those moments (through the (org, rang_at) index)."""
    if not last_at:
        return {}
    rows = session.execute(
        select(key.label("key"), Call.id, Call.rang_at, *columns)
        .where(*call_conditions(f), *where, Call.rang_at.in_(set(last_at.values())))
        .order_by(Call.id)
    ).all()
    # Ordered by id: for calls that rang at the same moment the greatest id is kept.
    return {r.key: r for r in rows if last_at.get(r.key) == r.rang_at}


def _targets(session: Session, org_id: str) -> dict[tuple[str, str], float]:
    """(playbook version, line id) -> the line's answer target in seconds, for every version
    the org published: a call's target is its own version's."""
    return {
        (version, line.id): line.answer_within.total_seconds()
        for version, playbook in published_playbooks(session, org_id).items()
        for line in playbook.lines
    }


def _target_table(targets: dict[tuple[str, str], float]) -> Any:
    """The targets as a VALUES list to join, as intervals (compared with moments exactly)."""
    table = values(
        column("version", String), column("line", String), column("within", Interval), name="t"
    )
    rows = [(v, line, timedelta(seconds=t)) for (v, line), t in sorted(targets.items())]
    return table.data(rows or [("", "", DEFAULT_ANSWER_WITHIN)])


# -- volume -----------------------------------------------------------------------------------


def volume(session: Session, f: ReportFilter) -> VolumeReport:
    """Three statements: the counts of every group (hashed, one pass), the speed of answer's
    spread in total and by line (sorted), and the names of the lines' and agents' last calls."""
    targets = _targets(session, f.org_id)
    t = _target_table(targets)
    deadline = Call.rang_at + func.coalesce(t.c.within, DEFAULT_ANSWER_WITHIN)
    local = func.timezone(_zone(f), Call.rang_at)
    day, hour = cast(local, Date), cast(func.extract("hour", local), Integer)
    hung_up = func.coalesce(Call.ended_at, Call.rang_at)
    unanswered_end = Call.state == State.MISSED.value
    answered = Call.answered_at.is_not(None)
    keys = (LINE, URGENCY, day, hour, Call.agent_id)
    counts = (
        select(
            func.grouping(*keys).label("g"),
            LINE.label("line_id"),
            URGENCY.label("urgency_name"),
            day.label("day"),
            hour.label("hour"),
            Call.agent_id,
            func.count().label("calls"),
            func.count(Call.answered_at).label("answered"),
            func.count().filter(and_(answered, Call.answered_at <= deadline)).label("in_target"),
            func.count().filter(and_(unanswered_end, hung_up > deadline)).label("missed"),
            func.count().filter(and_(unanswered_end, hung_up <= deadline)).label("abandoned"),
            func.count().filter(Call.state == State.RINGING.value).label("ringing"),
            func.max(Call.rang_at).label("last_at"),
            func.max(Call.rang_at).filter(answered).label("last_answered_at"),
        )
        .select_from(Call)
        .outerjoin(t, and_(t.c.version == Call.playbook_version, t.c.line == Call.line_id))
        .where(*call_conditions(f))
        .group_by(
            func.grouping_sets(
                tuple_(),
                tuple_(LINE),
                tuple_(URGENCY),
                tuple_(day, LINE),
                tuple_(hour, LINE),
                tuple_(Call.agent_id),
            )
        )
    )
    m = _measured(
        (LINE.label("line_id"), _seconds(Call.answered_at, Call.rang_at).label("wait")),
        *call_conditions(f),
        answered,
    )
    spreads = select(
        func.grouping(m.c.line_id).label("g"), m.c.line_id, *_spread_columns(m.c.wait, "wait")
    ).group_by(func.grouping_sets(tuple_(), tuple_(m.c.line_id)))
    sets = _by_set(session.execute(counts).all())
    waits = {r.line_id if r.g == 0 else None: _spread(r, "wait") for r in session.execute(spreads)}
    lines = _latest(
        session,
        f,
        Call.line_id,
        {r.line_id: r.last_at for r in sets.get(_LINE, [])},
        (Call.line_name, Call.playbook_version),
    )
    agents = _latest(
        session,
        f,
        Call.agent_id,
        {r.agent_id: r.last_answered_at for r in sets.get(_AGENT, []) if r.last_answered_at},
        (Call.agent_name,),
        answered,
    )
    last = {
        line: (r.line_name, targets.get((r.playbook_version, line), _DEFAULT))
        for line, r in lines.items()
    }
    names = {agent: r.agent_name or "" for agent, r in agents.items()}
    return _volume_report(sets, waits, last, names, f)


_DEFAULT = DEFAULT_ANSWER_WITHIN.total_seconds()


def _by_set(rows: Iterable[Row[Any]]) -> dict[int, list[Row[Any]]]:
    """Rows by their grouping set (the GROUPING() bit mask)."""
    sets: dict[int, list[Row[Any]]] = {}
    for r in rows:
        sets.setdefault(r.g, []).append(r)
    return sets


def _service(r: Row[Any], wait: Spread) -> dict[str, Any]:
    return {
        "calls": r.calls,
        "answered": r.answered,
        "answered_in_target": r.in_target,
        "missed": r.missed,
        "abandoned": r.abandoned,
        "service_level": share(r.in_target, r.calls - r.abandoned - r.ringing),
        "speed_of_answer": wait,
    }


# GROUPING(line, urgency, day, hour, agent): a bit set for each key the group does not have.
_TOTAL, _LINE, _URGENCY, _DAY, _HOUR, _AGENT = 31, 15, 23, 11, 13, 30


def _volume_report(
    sets: dict[int, list[Row[Any]]],
    waits: dict[str | None, Spread],
    last: dict[str, tuple[str, float]],
    agent_names: dict[int, str],
    f: ReportFilter,
) -> VolumeReport:
    total = sets.get(_TOTAL) or []
    by_line = sorted(sets.get(_LINE, []), key=lambda r: r.line_id)
    lines = [r.line_id for r in by_line]
    days = {(r.day, r.line_id): r for r in sets.get(_DAY, [])}
    hours = {(r.hour, r.line_id): r.calls for r in sets.get(_HOUR, [])}
    agents = [r for r in sets.get(_AGENT, []) if r.agent_id is not None and r.answered]
    return VolumeReport(
        total=Service(**_service(total[0], waits.get(None, NO_VALUES)))
        if total
        else _empty_service(),
        by_line=[
            LineService(
                line_id=r.line_id,
                line_name=last[r.line_id][0],
                answer_within_seconds=last[r.line_id][1],
                **_service(r, waits.get(r.line_id, NO_VALUES)),
            )
            for r in by_line
        ],
        by_urgency=[
            UrgencyCount(urgency=r.urgency_name, calls=r.calls)
            for r in sorted(sets.get(_URGENCY, []), key=lambda r: r.urgency_name)
        ],
        by_day=[_day(d, line, days.get((d, line))) for d in f.days() for line in lines],
        by_hour=[
            HourCount(hour=h, line_id=line, calls=hours.get((h, line), 0))
            for h in range(24)
            for line in lines
        ],
        by_agent=sorted(
            (
                AgentCount(
                    agent_id=r.agent_id,
                    agent_name=agent_names.get(r.agent_id, ""),
                    answered=r.answered,
                    answered_in_target=r.in_target,
                )
                for r in agents
            ),
            key=lambda a: (-a.answered, a.agent_name),
        ),
    )


def _empty_service() -> Service:
    return Service(
        calls=0,
        answered=0,
        answered_in_target=0,
        missed=0,
        abandoned=0,
        service_level=None,
        speed_of_answer=NO_VALUES,
    )


def _day(d: date, line: str, r: Row[Any] | None) -> DayCount:
    if r is None:
        return DayCount(day=d.isoformat(), line_id=line, calls=0, answered=0, missed=0, abandoned=0)
    return DayCount(
        day=d.isoformat(),
        line_id=line,
        calls=r.calls,
        answered=r.answered,
        missed=r.missed,
        abandoned=r.abandoned,
    )


# -- handling ---------------------------------------------------------------------------------

_PARTS = ("ring", "talk", "after_call_work", "handle")


def handling(session: Session, f: ReportFilter) -> HandlingReport:
    ended = func.coalesce(Call.ended_at, Call.closed_at)
    parts = {
        "ring": _seconds(Call.answered_at, Call.rang_at),
        "talk": _seconds(ended, Call.answered_at),
        "after_call_work": _seconds(Call.closed_at, ended),
        "handle": _seconds(Call.closed_at, Call.answered_at),
    }
    handled = (Call.closed_at.is_not(None), Call.answered_at.is_not(None))
    m = _measured(
        (
            LINE.label("line_id"),
            VERSION.label("playbook_version"),
            Call.agent_id,
            Call.rang_at,
            *(value.label(name) for name, value in parts.items()),
        ),
        *call_conditions(f),
        *handled,
    )
    keys = (m.c.line_id, m.c.playbook_version, m.c.agent_id)
    q = select(
        func.grouping(*keys).label("g"),
        *keys,
        func.count().label("calls"),
        *(c for name in parts for c in _spread_columns(m.c[name], name)),
        func.max(m.c.rang_at).label("last_at"),
    ).group_by(func.grouping_sets(tuple_(), *(tuple_(k) for k in keys)))
    sets = _by_set(session.execute(q))
    line_names = _latest(
        session,
        f,
        Call.line_id,
        {r.line_id: r.last_at for r in sets.get(3, [])},
        (Call.line_name,),
        *handled,
    )
    agent_names = _latest(
        session,
        f,
        Call.agent_id,
        {r.agent_id: r.last_at for r in sets.get(6, [])},
        (Call.agent_name,),
        *handled,
    )
    total = sets.get(7) or []
    return HandlingReport(
        total=_handling(total[0]) if total else _handling(None),
        by_line=_groups(sets.get(3, []), lambda r: (r.line_id, line_names[r.line_id].line_name)),
        by_playbook_version=_groups(
            sets.get(5, []), lambda r: (r.playbook_version, r.playbook_version)
        ),
        by_agent=_groups(
            sets.get(6, []),
            lambda r: (str(r.agent_id), agent_names[r.agent_id].agent_name or ""),
        ),
    )


def _handling_fields(r: Row[Any] | None) -> dict[str, Any]:
    if r is None:
        return {"calls": 0, **{p: NO_VALUES for p in _PARTS}}
    return {"calls": r.calls, **{p: _spread(r, p) for p in _PARTS}}


def _handling(r: Row[Any] | None) -> Handling:
    return Handling(**_handling_fields(r))


def _groups(rows: Iterable[Row[Any]], key_name: Any) -> list[HandlingGroup]:
    named = sorted(((key_name(r), r) for r in rows), key=lambda kr: kr[0][0])
    return [HandlingGroup(key=k, name=n, **_handling_fields(r)) for (k, n), r in named]


# -- SLA --------------------------------------------------------------------------------------


def sla(session: Session, f: ReportFilter, now: datetime) -> SlaReport:
    conditions = [
        Ticket.org_id == f.org_id,
        Ticket.received_at >= f.start,
        Ticket.received_at < f.end,
    ]
    if f.team:
        conditions.append(Ticket.team == f.team)
    reminded = (
        select(SlaClock.ticket_id, func.count().label("n"))
        .where(
            SlaClock.kind == ClockKind.REMINDER.value,
            SlaClock.state == ClockState.REMINDED.value,
            SlaClock.ticket_id.in_(select(Ticket.id).where(*conditions)),
        )
        .group_by(SlaClock.ticket_id)
        .subquery()
    )
    reminders = func.coalesce(reminded.c.n, 0)
    state = Ticket.sla_state
    day = cast(func.timezone(_zone(f), Ticket.received_at), Date)
    soon = and_(
        state == SlaState.REMINDED.value,
        (Ticket.sla_due_at.is_(None)) | (Ticket.sla_due_at > now),
    )
    running = (SlaState.RUNNING.value, SlaState.REMINDED.value)
    q = (
        select(
            func.grouping(TEAM, day).label("g"),
            TEAM.label("team"),
            day.label("day"),
            func.count().label("tickets"),
            func.count().filter(state == SlaState.MET.value).label("met"),
            func.count().filter(state == SlaState.BREACHED.value).label("breached"),
            func.count().filter(state.in_(running)).label("running"),
            func.coalesce(func.sum(reminders), 0).label("reminders"),
            func.count().filter(reminders > 0).label("reminded"),
            func.count().filter(soon).label("soon"),
            *_spread_columns(_seconds(Ticket.first_response_at, Ticket.received_at), "first"),
            *_spread_columns(_seconds(Ticket.resolved_at, Ticket.received_at), "resolved"),
        )
        .select_from(Ticket)
        .outerjoin(reminded, reminded.c.ticket_id == Ticket.id)
        .where(*conditions)
        .group_by(func.grouping_sets(tuple_(), tuple_(TEAM), tuple_(day)))
    )
    sets: dict[int, list[Row[Any]]] = {}
    for r in session.execute(q):
        sets.setdefault(r.g, []).append(r)
    total = sets.get(3) or []
    days = {r.day: r for r in sets.get(2, [])}
    return SlaReport(
        total=_team("all", total[0] if total else None),
        by_team=[_team(r.team, r) for r in sorted(sets.get(1, []), key=lambda r: r.team)],
        by_day=[_sla_day(d, days.get(d)) for d in f.days()],
    )


def _team(team: str, r: Row[Any] | None) -> TeamSla:
    if r is None:
        return TeamSla(
            team=team,
            tickets=0,
            met=0,
            breached=0,
            running=0,
            met_share=None,
            first_response=NO_VALUES,
            resolution=NO_VALUES,
            reminders=0,
            breaching_soon=0,
        )
    return TeamSla(
        team=team,
        tickets=r.tickets,
        met=r.met,
        breached=r.breached,
        running=r.running,
        met_share=share(r.met, r.met + r.breached),
        first_response=_spread(r, "first"),
        resolution=_spread(r, "resolved"),
        reminders=int(r.reminders),
        breaching_soon=r.soon,
    )


def _sla_day(d: date, r: Row[Any] | None) -> SlaDay:
    if r is None:
        return SlaDay(day=d.isoformat(), received=0, breached=0, reminded=0)
    return SlaDay(day=d.isoformat(), received=r.tickets, breached=r.breached, reminded=r.reminded)
