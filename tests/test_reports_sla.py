"""The SLA report over tickets opened by real email intake, answered through the outbox and
swept by the sweeper (MyOperator's Legal team, 24 h, reminder at 18 h; days in Asia/Kolkata)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mailkit import CapturingRelay, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.outbound import SmtpMailer
from sopdesk.db import transaction
from sopdesk.escalations import replies
from sopdesk.escalations.outbox import send_queued
from sopdesk.escalations.sweeper import sweep
from sopdesk.orgs.models import User
from sopdesk.reports import service as reports
from sopdesk.reports.service import ReportKind, ReportQuery
from test_escalations import deliver

NOW = T0 + timedelta(hours=25, minutes=1)
DAYS = {"start": "2026-11-25", "end": "2026-11-26"}


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def _sla(factory: sessionmaker[Session], user: User, now: datetime = NOW, **q: Any) -> Any:
    with factory() as s:
        f = reports.report_filter(s, user, ReportQuery(**q), now)
        return reports.build(s, ReportKind.SLA, f, now).model_dump(mode="json")["data"]


def _history(factory: sessionmaker[Session], mw: MailWorld) -> None:
    # t1 at 20:30 IST Nov 25, answered in 2 h 1 min; t2 an hour later, never answered;
    # t3 at 00:30 IST Nov 26, reminded and still in time at NOW.
    (t1,) = deliver(factory, make_email(message_id="<s1@client.example>"), at=T0)
    deliver(factory, make_email(message_id="<s2@client.example>"), at=T0 + timedelta(hours=1))
    deliver(factory, make_email(message_id="<s3@client.example>"), at=T0 + timedelta(hours=4))
    assert t1.ticket_id is not None
    with transaction(factory) as s:
        replies.reply(s, mw.legal_lila, t1.ticket_id, "Clause 4 means...", T0 + timedelta(hours=2))
    with CapturingRelay() as relay:
        send_queued(
            factory, SmtpMailer("127.0.0.1", relay.port), T0 + timedelta(hours=2, minutes=1)
        )
    sweep(factory, T0 + timedelta(hours=20))  # t2's reminder
    sweep(factory, NOW)  # t2 breached, t3's reminder


def test_tickets_by_team_met_breached_response_reminders_and_breaching_soon(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    _history(session_factory, mw)
    olga = mw.world.other_org_olga  # MyOperator's supervisor
    report = _sla(session_factory, olga, **DAYS)
    (legal,) = report["by_team"]
    assert legal == {
        "team": "legal",
        "tickets": 3,
        "met": 1,
        "breached": 1,
        "running": 1,
        "met_share": 0.5,
        "first_response": {"count": 1, "median": 7260, "p90": 7260, "mean": 7260},
        "resolution": {"count": 0, "median": None, "p90": None, "mean": None},
        "reminders": 2,
        "breaching_soon": 1,
    }
    assert report["total"]["tickets"] == 3
    assert report["by_day"] == [
        {"day": "2026-11-25", "received": 2, "breached": 1, "reminded": 1},
        {"day": "2026-11-26", "received": 1, "breached": 0, "reminded": 1},
    ]
    # The team sees its own tickets; another team and another org see none of them.
    assert _sla(session_factory, mw.legal_lila, **DAYS)["total"]["tickets"] == 3
    assert _sla(session_factory, mw.accounts_arun, **DAYS)["total"]["tickets"] == 0
    assert _sla(session_factory, mw.world.supervisor_sam, **DAYS)["total"]["tickets"] == 0
    assert _sla(session_factory, olga, team="accounts", **DAYS)["by_team"] == []
