"""/health and `sopdesk health`: the database, the SLA sweeper's last pass, the oldest overdue
clock and the outbox, with a stalled sweeper visible within a minute. The clock is passed in."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from mailkit import MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.db import make_sessionmaker
from sopdesk.escalations.health import check, record_pass
from sopdesk.escalations.sweeper import run_sweeper
from test_escalations import deliver
from web_helpers import TestClock, make_app


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def test_a_desk_whose_sweeper_passed_recently_is_healthy(
    session_factory: sessionmaker[Session], db_url: str
) -> None:
    record_pass(session_factory, T0, worker="host:1")
    record_pass(session_factory, T0 - timedelta(minutes=5), worker="host:2")  # an old process
    clock = TestClock(T0 + timedelta(seconds=20))
    with TestClient(make_app(db_url, clock)) as client:
        response = client.get("/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["healthy"] is True and body["problems"] == []
    assert body["database"] is True
    assert body["last_sweep_at"].startswith(T0.isoformat()[:19])
    assert "secret" not in response.text.lower()


def test_a_stalled_sweeper_and_an_unfired_clock_are_unhealthy_within_a_minute(
    session_factory: sessionmaker[Session], db_url: str, mw: MailWorld
) -> None:
    deliver(session_factory, make_email())  # a Legal ticket: its clocks are due within 24 h
    record_pass(session_factory, T0, worker="host:1")
    assert check(session_factory, T0 + timedelta(seconds=59)).healthy
    late = T0 + timedelta(hours=25)
    found = check(session_factory, late)
    assert not found.healthy
    assert found.oldest_overdue_clock_seconds is not None
    assert any("last completed pass was" in p for p in found.problems)
    assert any("overdue and unfired" in p for p in found.problems)
    with TestClient(make_app(db_url, TestClock(late))) as client:
        response = client.get("/health")
    assert response.status_code == 503
    problems = response.json()["problems"]
    assert len(problems) == 3  # the ticket's acknowledgement never left either
    assert problems[2].startswith("1 mail(s) waiting to leave")


def test_the_sweeper_records_each_pass_and_a_failed_one(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    stop = threading.Event()
    moments = iter([T0, T0, T0])

    def clock():  # type: ignore[no-untyped-def]
        try:
            return next(moments)
        except StopIteration:
            stop.set()
            return T0

    run_sweeper(session_factory, None, stop, interval=0, clock=clock)
    assert check(session_factory, T0 + timedelta(seconds=1)).last_sweep_at == T0
    record_pass(session_factory, T0, error="OperationalError: database is locked\nmore")
    assert check(session_factory, T0 + timedelta(seconds=1)).last_sweep_at == T0


def test_a_database_that_does_not_answer_is_a_problem_not_a_crash() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    found = check(make_sessionmaker(engine), T0)
    assert not found.healthy and not found.database
    assert found.problems[0].startswith("the database does not answer")


def test_sopdesk_health_prints_the_check_and_exits_non_zero_when_unhealthy(
    db_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from sopdesk.cli import app

    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)
    never = CliRunner().invoke(app, ["health"])
    assert never.exit_code == 1, never.output
    assert "no SLA sweeper has completed a pass yet" in never.output
    assert "UNHEALTHY" in never.output
    # The command checks at the wall clock (in this process, as moved by `make test-dates`).
    record_pass(session_factory, datetime.now(UTC))
    fine = CliRunner().invoke(app, ["health", "--json"])
    assert fine.exit_code == 0, fine.output
    assert json.loads(fine.output)["healthy"] is True
