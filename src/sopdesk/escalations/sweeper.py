"""The SLA sweeper: fires due clocks exactly once, however many workers run it.

Each due clock is flipped with `UPDATE ... WHERE id=? AND state='pending'` and only the worker
whose update changed the row notifies; the flip and its notification commit together. The
clocks are rows, so a restart loses none: the next pass fires whatever fell due meanwhile.
Safe to run in every web worker (`run_sweeper`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import transaction
from sopdesk.escalations.models import ClockKind, ClockState, SlaClock, SlaState, Ticket
from sopdesk.escalations.notify import notify_team
from sopdesk.escalations.outbox import Mailer, send_queued
from sopdesk.orgs.service import CurrentPlaybook, get_current_playbook

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    reminded: int = 0
    breached: int = 0
    lost: int = 0  # clocks another worker fired between our read and our update


def _flip(session: Session, clock_id: int, state: ClockState, now: datetime) -> bool:
    result = session.execute(
        update(SlaClock)
        .where(SlaClock.id == clock_id, SlaClock.state == ClockState.PENDING.value)
        .values(state=state.value, fired_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def _mark_ticket(session: Session, ticket_id: int, kind: str) -> None:
    # Conditional too: a reply committed meanwhile has set 'met', which must stay.
    if kind == ClockKind.REMINDER:
        new, before = SlaState.REMINDED, [SlaState.RUNNING.value]
    else:
        new, before = SlaState.BREACHED, [SlaState.RUNNING.value, SlaState.REMINDED.value]
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.sla_state.in_(before))
        .values(sla_state=new.value)
        .execution_options(synchronize_session=False)
    )


def due_text(due: datetime, zone: str, now: datetime) -> str:
    local = due.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")
    minutes = int((due - now).total_seconds() // 60)
    left = f"{minutes // 60}h{minutes % 60:02d} left" if minutes >= 0 else "overdue"
    return f"due {local} ({zone}), {left}"


def _notify(session: Session, fired: list[tuple[int, int, str]], now: datetime) -> None:
    tickets = {
        t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_({f[1] for f in fired})))
    }
    playbooks: dict[str, CurrentPlaybook | None] = {}
    for clock_id, ticket_id, kind in fired:
        ticket = tickets[ticket_id]
        _mark_ticket(session, ticket_id, kind)
        if ticket.org_id not in playbooks:
            playbooks[ticket.org_id] = get_current_playbook(session, ticket.org_id)
        current = playbooks[ticket.org_id]
        team = current.playbook.team(ticket.team) if current else None
        zone = current.playbook.org.timezone if current else "UTC"
        due = due_text(ticket.sla_due_at or now, zone, now)
        if kind == ClockKind.REMINDER:
            event, text = (
                "sla_reminder",
                f"SLA reminder: {ticket.reference} still unanswered, {due}",
            )
        else:
            event, text = (
                "sla_breached",
                f"SLA breached: {ticket.reference} was not answered in time",
            )
        notify_team(session, ticket, team, event, text, now, clock_id=clock_id)


def sweep(
    factory: sessionmaker[Session], now: datetime, batch: int = 500, *, skip_locked: bool = True
) -> SweepReport:
    """Fire every clock due at `now`: reminders, then breaches, each exactly once.

    On PostgreSQL, `skip_locked` lets workers take disjoint rows (less wasted work); the
    conditional update alone is what guarantees exactly once (tests race with it off).
    """
    report = SweepReport()
    while True:
        with transaction(factory) as session:
            query = (
                select(SlaClock.id, SlaClock.ticket_id, SlaClock.kind)
                .where(SlaClock.state == ClockState.PENDING.value, SlaClock.due_at <= now)
                .order_by(SlaClock.due_at, SlaClock.id)
                .limit(batch)
            )
            if skip_locked:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            fired: list[tuple[int, int, str]] = []
            for clock_id, ticket_id, kind in rows:
                reminder = kind == ClockKind.REMINDER
                state = ClockState.REMINDED if reminder else ClockState.BREACHED
                if not _flip(session, clock_id, state, now):
                    # Nothing got updated: another sweeper got there first.
                    report.lost += 1
                    continue
                fired.append((clock_id, ticket_id, kind))
                report.reminded += reminder
                report.breached += not reminder
            if fired:
                _notify(session, fired, now)
        if len(rows) < batch:
            return report


def _utcnow() -> datetime:
    return datetime.now(UTC)


def run_sweeper(
    factory: sessionmaker[Session],
    mailer: Mailer | None,
    stop: threading.Event,
    interval: float = 5.0,
    clock: Callable[[], datetime] = _utcnow,
) -> None:
    """Sweep clocks and send queued mail every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            sweep(factory, clock())
            send_queued(factory, mailer, clock())
        except Exception:  # a bad pass must not end the loop: the rows wait for the next one
            log.exception("escalations sweeper pass failed; retrying in %ss", interval)
        stop.wait(interval)
