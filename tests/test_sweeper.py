"""The SLA sweeper on a real database: each reminder and breach fires once, races and restarts."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkit import AcceptingMailer, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.imap import start_imap_poller
from sopdesk.channels.email.ingest import ingest
from sopdesk.channels.email.runtime import start_sweeper
from sopdesk.db import transaction
from sopdesk.escalations import replies, sweeper
from sopdesk.escalations.intake import load_directory, receive_email
from sopdesk.escalations.models import ClockState, Notification, SlaClock, Ticket
from sopdesk.escalations.outbox import send_queued
from sopdesk.escalations.sweeper import run_sweeper, sweep
from sopdesk.settings import Settings
from test_escalations import deliver


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def fired_notifications(factory: sessionmaker[Session]) -> Counter[int]:
    with factory() as s:
        ids = s.scalars(select(Notification.clock_id).where(Notification.clock_id.is_not(None)))
        return Counter(i for i in ids if i is not None)


def open_tickets(factory: sessionmaker[Session], count: int, spacing: timedelta) -> None:
    """`count` tickets to Legal, received `spacing` apart from T0 (a clock pair each)."""
    first = deliver(factory, make_email(message_id="<t0@c>"))[0]
    assert first.kind == "opened"
    with factory() as s:
        directory = load_directory(s)
    for i in range(1, count):
        at = T0 + spacing * i
        raw = make_email(message_id=f"<t{i}@c>")
        decision = ingest(raw, "r@c", ["legal@myoperator.co"], at, directory)
        assert decision.email is not None
        receive_email(factory, decision.email, decision.deliveries, at)


def test_reminder_at_75_percent_then_breach_each_exactly_once(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email())
    assert sweep(session_factory, T0 + timedelta(hours=17, minutes=59)) == sweeper.SweepReport()
    assert sweep(session_factory, T0 + timedelta(hours=18)).reminded == 1
    assert sweep(session_factory, T0 + timedelta(hours=20)) == sweeper.SweepReport()
    with session_factory() as s:
        assert s.get_one(Ticket, opened.ticket_id).sla_state == "reminded"
    report = sweep(session_factory, T0 + timedelta(hours=24, seconds=1))
    assert (report.reminded, report.breached) == (0, 1)
    assert sweep(session_factory, T0 + timedelta(days=9)) == sweeper.SweepReport()
    with session_factory() as s:
        assert s.get_one(Ticket, opened.ticket_id).sla_state == "breached"
        kinds = s.scalars(select(Notification.kind).order_by(Notification.id)).all()
        assert kinds == ["opened", "sla_reminder", "sla_breached"]
        texts = s.scalars(select(Notification.text)).all()
        assert any("SLA reminder" in t and "Asia/Kolkata" in t and "6h00 left" in t for t in texts)


def test_a_reply_in_time_cancels_the_reminder_and_meets_the_clock(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email())
    assert opened.ticket_id is not None
    with transaction(session_factory) as s:
        replies.reply(s, mw.legal_lila, opened.ticket_id, "Answer", T0 + timedelta(hours=2))
    send_queued(session_factory, AcceptingMailer(), T0 + timedelta(hours=2))  # the reply leaves
    assert sweep(session_factory, T0 + timedelta(days=2)) == sweeper.SweepReport()
    with session_factory() as s:
        states = {k: v for k, v in s.execute(select(SlaClock.kind, SlaClock.state))}
        assert states == {"reminder": "cancelled", "resolution": "met"}


@pytest.mark.parametrize("skip_locked", [True, False])
def test_two_sweepers_racing_fire_every_clock_exactly_once(
    session_factory: sessionmaker[Session], mw: MailWorld, skip_locked: bool
) -> None:
    open_tickets(session_factory, 40, timedelta(minutes=1))
    now = T0 + timedelta(days=2)
    barrier, reports, errors = threading.Barrier(2), [], []

    def worker() -> None:
        barrier.wait()
        try:
            reports.append(sweep(session_factory, now, batch=7, skip_locked=skip_locked))
        except Exception as exc:  # surfaced below: a crash would hide a double fire
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.reminded for r in reports) == 40
    assert sum(r.breached for r in reports) == 40
    fired = fired_notifications(session_factory)
    assert len(fired) == 80 and set(fired.values()) == {1}
    with session_factory() as s:
        pending = s.scalar(select(func.count()).where(SlaClock.state == ClockState.PENDING))
        assert pending == 0


def test_a_crash_mid_pass_loses_no_clock_and_the_restart_fires_each_once(
    session_factory: sessionmaker[Session], mw: MailWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_tickets(session_factory, 12, timedelta(hours=1))
    real_notify = sweeper.notify_many
    calls = 0

    def dying_notify(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:  # the second batch dies after its clocks were flipped
            raise RuntimeError("worker killed mid-pass")
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(sweeper, "notify_many", dying_notify)
    with pytest.raises(RuntimeError):
        sweep(session_factory, T0 + timedelta(hours=30), batch=5)
    monkeypatch.setattr(sweeper, "notify_many", real_notify)
    # The first batch committed with its notices; the crashed one rolled back whole: its
    # clocks are pending again, none half-fired.
    with session_factory() as s:
        fired = s.scalar(select(func.count()).where(SlaClock.state != ClockState.PENDING))
    assert fired == 5 and sum(fired_notifications(session_factory).values()) == 5
    # Restart: a sweeper thread running on a clock that moves on; stop it, start another.
    clock_now = [T0 + timedelta(hours=30)]
    for _ in range(2):
        stop = threading.Event()
        thread = threading.Thread(
            target=run_sweeper,
            args=(session_factory, None, stop),
            kwargs={"interval": 0.01, "clock": lambda: clock_now[0]},
        )
        thread.start()
        stop.wait(0.3)
        stop.set()
        thread.join()
        clock_now[0] = T0 + timedelta(days=3)
    counts = fired_notifications(session_factory)
    assert len(counts) == 24 and set(counts.values()) == {1}


def test_start_sweeper_runs_in_the_background_until_stopped(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    deliver(session_factory, make_email())
    settings = Settings(sweeper_interval_seconds=0.01)
    handle = start_sweeper(settings, session_factory, clock=lambda: T0 + timedelta(hours=25))
    deadline = time.monotonic() + 10
    while len(fired_notifications(session_factory)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    handle.stop()
    assert not handle.thread.is_alive()
    assert sorted(fired_notifications(session_factory).values()) == [1, 1]
    assert start_imap_poller(settings, session_factory) is None  # no mailbox configured
