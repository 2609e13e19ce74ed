"""The SLA sweeper: fires due clocks exactly once, however many workers run it.

Each due clock is flipped with `UPDATE ... WHERE id=? AND state='pending'` and only the worker
whose update changed the row notifies; the flip and its notification commit together. The
clocks are rows, so a restart loses none: the next pass fires whatever fell due meanwhile.
Safe to run in every web worker (`run_sweeper`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, load_only, sessionmaker

from sopdesk.db import transaction
from sopdesk.escalations.health import record_pass
from sopdesk.escalations.models import ClockKind, ClockState, SlaClock, SlaState, Ticket
from sopdesk.escalations.notify import Notice, notify_many
from sopdesk.escalations.outbox import Mailer, send_queued
from sopdesk.orgs.service import CurrentPlaybook, get_current_playbook

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    reminded: int = 0
    breached: int = 0
    lost: int = 0  # clocks another worker fired between our read and our update


def _flip(session: Session, ids: list[int], state: ClockState, now: datetime) -> list[int]:
    """Fire the clocks among `ids` that are still pending; the ids this worker changed.

    `UPDATE ... WHERE id IN (...) AND state='pending' RETURNING id`: the per-row conditional
    update in one statement. A row another worker fired first is not returned.
    """
    if not ids:
        return []
    statement = (
        update(SlaClock)
        .where(SlaClock.id.in_(ids), SlaClock.state == ClockState.PENDING.value)
        .values(state=state.value, fired_at=now)
        .returning(SlaClock.id)
    )
    return list(session.connection().execute(statement).scalars())


def _mark_tickets(session: Session, ticket_ids: list[int], kind: str) -> None:
    # Conditional too: a reply committed meanwhile has set 'met', which must stay.
    if not ticket_ids:
        return
    if kind == ClockKind.REMINDER:
        new, before = SlaState.REMINDED, [SlaState.RUNNING.value]
    else:
        new, before = SlaState.BREACHED, [SlaState.RUNNING.value, SlaState.REMINDED.value]
    session.connection().execute(
        update(Ticket)
        .where(Ticket.id.in_(ticket_ids), Ticket.sla_state.in_(before))
        .values(sla_state=new.value)
    )


def due_text(due: datetime, zone: str, now: datetime) -> str:
    local = due.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")
    minutes = int((due - now).total_seconds() // 60)
    left = f"{minutes // 60}h{minutes % 60:02d} left" if minutes >= 0 else "overdue"
    return f"due {local} ({zone}), {left}"


def _notify(session: Session, fired: list[tuple[int, int, str]], now: datetime) -> None:
    for clock_kind in (ClockKind.REMINDER, ClockKind.RESOLUTION):
        _mark_tickets(session, [t for _, t, k in fired if k == clock_kind], clock_kind)
    ids = {ticket_id for _, ticket_id, _ in fired}
    # Only what the notices show: a breach wave must not decode every ticket's fields.
    shown = load_only(
        Ticket.org_id,
        Ticket.team,
        Ticket.subject,
        Ticket.status,
        Ticket.sla_state,
        Ticket.sla_due_at,
    )
    query = select(Ticket).where(Ticket.id.in_(ids)).options(shown)
    tickets = {t.id: t for t in session.scalars(query)}
    playbooks: dict[str, CurrentPlaybook | None] = {}
    notices = []
    for clock_id, ticket_id, kind in fired:
        ticket = tickets[ticket_id]
        if ticket.org_id not in playbooks:
            playbooks[ticket.org_id] = get_current_playbook(session, ticket.org_id)
        current = playbooks[ticket.org_id]
        team = current.playbook.team(ticket.team) if current else None
        zone = current.playbook.org.timezone if current else "UTC"
        ref = ticket.reference
        if kind == ClockKind.REMINDER:
            due = due_text(ticket.sla_due_at or now, zone, now)
            event, text = "sla_reminder", f"SLA reminder: {ref} still unanswered, {due}"
        else:
            event, text = "sla_breached", f"SLA breached: {ref} was not answered in time"
        notices.append(Notice(ticket, team, event, text, clock_id))
    notify_many(session, notices, now)


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
            reminders = [r.id for r in rows if r.kind == ClockKind.REMINDER]
            resolutions = [r.id for r in rows if r.kind != ClockKind.REMINDER]
            won = set(_flip(session, reminders, ClockState.REMINDED, now))
            won |= set(_flip(session, resolutions, ClockState.BREACHED, now))
            # Rows not returned: another sweeper got there first.
            report.lost += len(rows) - len(won)
            fired = [(r.id, r.ticket_id, r.kind) for r in rows if r.id in won]
            report.reminded += sum(1 for r in fired if r[2] == ClockKind.REMINDER)
            report.breached += sum(1 for r in fired if r[2] != ClockKind.REMINDER)
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
            record_pass(factory, clock())
        except Exception as exc:  # a bad pass must not end the loop: the rows wait for the next
            log.exception("escalations sweeper pass failed; retrying in %ss", interval)
            with contextlib.suppress(Exception):  # the database may be what failed
                record_pass(factory, clock(), error=f"{type(exc).__name__}: {exc}")
        stop.wait(interval)
