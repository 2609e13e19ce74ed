"""Is the desk doing its background work? The database, the SLA sweeper and the outbox.

`check` reads what every sweeper process records after each pass (`record_pass`), the oldest
clock that is overdue and still pending (a working sweeper fires it within one interval), and
the mail waiting to leave. It names each problem in words an operator can act on; nothing in it
is secret, so /health needs no login.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import driver_reason, transaction
from sopdesk.escalations.models import ClockState, MailState, OutboundMail, SlaClock, SweeperBeat

# A sweeper passes every few seconds: a minute without a pass, or a clock a minute overdue,
# is a stall an operator must hear about.
STALLED_AFTER = timedelta(seconds=60)
# Mail is retried with backoff; ten minutes past its next attempt it is stuck, not retrying.
MAIL_STUCK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Health:
    """What `check` found at `now`; healthy when `problems` is empty."""

    now: datetime
    database: bool
    last_sweep_at: datetime | None = None
    oldest_overdue_clock_seconds: float | None = None
    outbox_waiting: int = 0
    outbox_oldest_waiting_seconds: float | None = None
    mail_held: int = 0
    mail_failed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record_pass(
    factory: sessionmaker[Session], now: datetime, error: str | None = None, worker: str = ""
) -> None:
    """Note this process's pass at `now`: a success, or the failure's first line."""
    with transaction(factory) as session:
        name = worker or worker_name()
        beat = session.get(SweeperBeat, name) or SweeperBeat(worker=name)
        if error is None:
            beat.last_success_at = now
        else:
            beat.last_failure_at = now
            beat.last_error = (error.splitlines() or ["?"])[0][:500]
        session.add(beat)


def _seconds(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds())


def _read(session: Session, now: datetime) -> Health:
    last_sweep = session.scalar(select(func.max(SweeperBeat.last_success_at)))
    overdue = session.scalar(
        select(func.min(SlaClock.due_at)).where(
            SlaClock.state == ClockState.PENDING.value, SlaClock.due_at <= now
        )
    )
    waiting_states = [MailState.QUEUED.value, MailState.SENDING.value]
    waiting, oldest_next = session.execute(
        select(func.count(), func.min(OutboundMail.next_attempt_at)).where(
            OutboundMail.state.in_(waiting_states), OutboundMail.next_attempt_at <= now
        )
    ).one()
    counts = dict(
        session.execute(
            select(OutboundMail.state, func.count())
            .where(OutboundMail.state.in_([MailState.HELD.value, MailState.FAILED.value]))
            .group_by(OutboundMail.state)
        ).all()
    )
    return Health(
        now=now,
        database=True,
        last_sweep_at=last_sweep,
        oldest_overdue_clock_seconds=_seconds(overdue, now),
        outbox_waiting=int(waiting),
        outbox_oldest_waiting_seconds=_seconds(oldest_next, now),
        mail_held=int(counts.get(MailState.HELD.value, 0)),
        mail_failed=int(counts.get(MailState.FAILED.value, 0)),
    )


def _problems(found: Health) -> list[str]:
    problems = []
    if found.last_sweep_at is None:
        problems.append("no SLA sweeper has completed a pass yet")
    elif found.now - found.last_sweep_at > STALLED_AFTER:
        ago = int((found.now - found.last_sweep_at).total_seconds())
        problems.append(f"the SLA sweeper's last completed pass was {ago} s ago")
    overdue = found.oldest_overdue_clock_seconds
    if overdue is not None and overdue > STALLED_AFTER.total_seconds():
        problems.append(f"an SLA clock has been overdue and unfired for {int(overdue)} s")
    stuck = found.outbox_oldest_waiting_seconds
    if stuck is not None and stuck > MAIL_STUCK_AFTER.total_seconds():
        waiting = found.outbox_waiting
        problems.append(f"{waiting} mail(s) waiting to leave, the oldest for {int(stuck)} s")
    return problems


def check(factory: sessionmaker[Session], now: datetime) -> Health:
    """The desk's health at `now`; a database that does not answer is a problem, not a raise."""
    try:
        with factory() as session:
            found = _read(session, now)
    except SQLAlchemyError as exc:
        reason = driver_reason(exc)
        return Health(now=now, database=False, problems=[f"the database does not answer: {reason}"])
    return Health(**{**found.__dict__, "problems": _problems(found)})
