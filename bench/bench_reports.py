"""Benchmark the five reports (volume, handling, documentation, sla, adherence) over 30 days.

Data. Both seed orgs (load_demo: every line, the playbooks' agents, accounts), then a first
slice written through the desk's real services over ~90 days: `history.write_history` (calls
rung, answered, missed and abandoned, wrap-ups refused then accepted with their audit entries,
hand-off and call-back tasks) and MyOperator tickets opened by real email intake
(`escalations.intake.receive_email`, the only org whose teams have a mailbox), some answered
through the outbox, with the sweeper run at every day's end (reminders, breaches). The speed of
the history generator is printed in interactions/s.

Scale-up: BENCHMARK ONLY. The service-written rows are then multiplied with bulk SQL
(INSERT ... SELECT with shifted ids and times shifted by a few minutes) up to the target size:
interactions, their wrap-up audit entries (`interaction.wrapped_up` / `wrap_up_refused`, the
only audit rows a report reads), their tasks, tickets and SLA clocks. This is not how the desk
writes: it is a copy of rows the desk wrote, so that 1,000,000 interactions load in minutes.

Measured: each report over the 30 days up to yesterday (org's zone) for MyOperator's
supervisor, through the service layer (`reports.service.build`, in this process), several
repetitions: p50 and p99 (nearest rank; with fewer than 100 repetitions p99 is the slowest),
this process's CPU time per report (time.process_time) and, on PostgreSQL, the server
backend's CPU time (/proc/<backend pid>/stat). Then one request per report through the HTTP
API (JSON, FastAPI TestClient in this process: the server's CPU is this process's).

Sizes: PostgreSQL 1,000,000 interactions and 100,000 tickets; SQLite 100,000 interactions
(`--quick`: 30,000 / 3,000 and 10,000). PostgreSQL at $SOPDESK_BENCH_PG_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres); the bench creates and drops its own
database `sopdesk_reports_bench`.

Run: `make bench` or `.venv/bin/python bench/bench_reports.py [--quick] [--only pg|sqlite]`.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.channels.email.ingest import Action, ingest
from sopdesk.crm.models import AuditEntry, Task
from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.demo import load_demo
from sopdesk.desk.models import Interaction
from sopdesk.desk.wrapup import WRAP_UP_REFUSED, WRAPPED_UP
from sopdesk.escalations import replies
from sopdesk.escalations.intake import load_directory, receive_email
from sopdesk.escalations.models import SlaClock, Ticket
from sopdesk.escalations.outbox import OutgoingMail, send_queued
from sopdesk.escalations.sweeper import sweep
from sopdesk.history import write_history
from sopdesk.orgs.models import User
from sopdesk.orgs.service import create_token
from sopdesk.reports.service import ReportKind, ReportQuery, build, report_filter
from sopdesk.reports.traceability import traceability_for
from sopdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ORGS = ("rondesse", "myoperator")
READER = ("myoperator", "olga@myoperator.example")
TEAM_MAILBOXES = ("legal@myoperator.co", "accounts@myoperator.co")
TEAM_MEMBER = {"legal@myoperator.co": "leo@myoperator.example"}
DAYS = 90
RANGE_DAYS = 30
BENCH_DB = "sopdesk_reports_bench"
SECRET = "bench-reports-secret-key-0123456789abcdef"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Size:
    interactions: int
    tickets: int
    per_day: int  # calls per org per day in the service-written slice
    tickets_per_day: int
    reps: int
    budget: float  # seconds of repetitions per report at most (at least 3 repetitions)


SIZES = {
    ("postgresql", False): Size(1_000_000, 100_000, 12, 3, 20, 30.0),
    ("sqlite", False): Size(100_000, 10_000, 6, 2, 20, 20.0),
    ("postgresql", True): Size(30_000, 3_000, 3, 1, 5, 10.0),
    ("sqlite", True): Size(10_000, 1_000, 3, 1, 5, 10.0),
}


class AcceptingMailer:
    """A relay that accepts everything (the bench measures reports, not SMTP)."""

    def send(self, mail: OutgoingMail) -> None:
        return None


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# -- the service-written slice ------------------------------------------------------------


def _email(n: int, to: str, at: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Client {n} <client{n % 97}@client.example>"
    msg["To"] = to
    msg["Subject"] = f"Question {n} about my account"
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = f"<bench-{n}@client.example>"
    msg.set_content("Please look into this for me.")
    return msg.as_bytes()


def write_tickets(factory: sessionmaker[Session], now: datetime, per_day: int) -> int:
    """Tickets by email over DAYS days: 60 % answered (some late), the rest left; swept daily."""
    rng = random.Random(12)
    with factory() as s:
        directory = load_directory(s)
        members = {
            box: s.scalar(select(User).where(User.email == who)) for box, who in TEAM_MEMBER.items()
        }
    start = (now - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    count = 0
    mailer = AcceptingMailer()
    for day in range(DAYS):
        for _ in range(per_day):
            at = start + timedelta(days=day, hours=rng.uniform(0, 24))
            to = rng.choice(TEAM_MAILBOXES)
            raw = _email(count, to, at)
            decision = ingest(raw, "client@client.example", [to], at, directory)
            if decision.action is not Action.DELIVER or decision.email is None:
                continue
            outcomes = receive_email(factory, decision.email, decision.deliveries, at)
            count += 1
            who = members.get(to)
            tid = outcomes[0].ticket_id if outcomes else None
            if who is not None and tid is not None and rng.random() < 0.6:
                answered = at + timedelta(hours=rng.choice((1, 3, 8, 20, 30)))
                with transaction(factory) as s:
                    replies.reply(s, who, tid, "Here is what we found.", answered)
                send_queued(factory, mailer, answered + timedelta(minutes=1))
        sweep(factory, start + timedelta(days=day + 1))
    sweep(factory, now)
    return count


def seed(url: str, size: Size, now: datetime) -> None:
    """Both orgs, DAYS days of history and tickets, all through the services."""
    load_demo(Settings(database_url=url, playbooks=ROOT / "playbooks"), now, articles=False)
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        calls, seconds = 0, 0.0
        for org in ORGS:
            report = write_history(factory, org, DAYS, now, per_day=size.per_day)
            out(f"  history {org}: {report.summary()}")
            calls, seconds = calls + report.calls, seconds + report.seconds
        out(
            f"  history generator: {calls} interactions in {seconds:.1f} s = "
            f"{calls / seconds:.0f} interactions/s (through the desk's services)"
        )
        started = time.perf_counter()
        tickets = write_tickets(factory, now, size.tickets_per_day)
        spent = time.perf_counter() - started
        out(f"  tickets by email intake: {tickets} in {spent:.1f} s (replies, outbox, sweeper)")
    finally:
        engine.dispose()


# -- the benchmark-only bulk copy ---------------------------------------------------------


def _shift(dialect: str, column: str, seconds: int) -> str:
    if dialect == "postgresql":
        return f"({column} + interval '{seconds} seconds')"
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': shift the whole seconds, keep the fraction.
    return (
        f"(CASE WHEN {column} IS NULL THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%S', {column}, "
        f"'{seconds:+d} seconds') || substr({column}, 20) END)"
    )


def _copy(conn: Any, table: Table, overrides: dict[str, str], where: str) -> int:
    names = [c.name for c in table.columns]
    exprs = [overrides.get(n, f'"{n}"') for n in names]
    cols = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table.name}" ({cols}) SELECT {", ".join(exprs)} FROM "{table.name}"'
    return int(conn.execute(text(f"{sql} WHERE {where}")).rowcount)


def _times(dialect: str, table: Table, seconds: int) -> dict[str, str]:
    from sopdesk.db import UtcDateTime

    return {
        c.name: _shift(dialect, f'"{c.name}"', seconds)
        for c in table.columns
        if isinstance(c.type, UtcDateTime)
    }


def _bound(conn: Any, table: str, n: int) -> int:
    """The id of the n-th row: copying ids up to it copies n rows."""
    found = conn.execute(text(f'SELECT id FROM "{table}" ORDER BY id LIMIT 1 OFFSET {n - 1}'))
    return int(found.scalar_one())


def _count(conn: Any, table: str) -> int:
    return int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())


def _max_id(conn: Any, table: str) -> int:
    return int(conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{table}"')).scalar_one())


def _copy_calls(conn: Any, dialect: str, rnd: int, n: int, shift: int) -> None:
    it, audit, task = (Interaction.__table__, AuditEntry.__table__, Task.__table__)
    assert isinstance(it, Table) and isinstance(audit, Table) and isinstance(task, Table)
    off, bound = _max_id(conn, "interaction"), _bound(conn, "interaction", n)
    _copy(
        conn,
        it,
        {
            "id": f"id + {off}",
            "external_id": f"external_id || '-x{rnd}'",
            **_times(dialect, it, shift),
        },
        f"id <= {bound}",
    )
    as_int = (
        "CAST(object_id AS BIGINT)" if dialect == "postgresql" else "CAST(object_id AS INTEGER)"
    )
    aoff = _max_id(conn, "audit_entry")
    actions = f"('{WRAPPED_UP}', '{WRAP_UP_REFUSED}')"
    _copy(
        conn,
        audit,
        {
            "id": f"id + {aoff}",
            "object_id": f"CAST({as_int} + {off} AS VARCHAR(64))",
            **_times(dialect, audit, shift),
        },
        f"object_type = 'interaction' AND action IN {actions} AND {as_int} <= {bound}",
    )
    toff = _max_id(conn, "crm_task")
    _copy(
        conn,
        task,
        {
            "id": f"id + {toff}",
            "interaction_id": f"interaction_id + {off}",
            **_times(dialect, task, shift),
        },
        f"interaction_id IS NOT NULL AND interaction_id <= {bound}",
    )


def _copy_tickets(conn: Any, dialect: str, rnd: int, n: int, shift: int) -> None:
    ticket, clock = Ticket.__table__, SlaClock.__table__
    assert isinstance(ticket, Table) and isinstance(clock, Table)
    off, bound = _max_id(conn, "ticket"), _bound(conn, "ticket", n)
    key = (
        f"substr(md5(thread_key || '{rnd}'), 1, 32)"
        if dialect == "postgresql"
        else f"substr(printf('%04x', {rnd}) || thread_key, 1, 32)"
    )
    _copy(
        conn,
        ticket,
        {
            "id": f"id + {off}",
            "thread_key": key,
            "follows_id": "NULL",
            **_times(dialect, ticket, shift),
        },
        f"id <= {bound}",
    )
    coff = _max_id(conn, "sla_clock")
    _copy(
        conn,
        clock,
        {"id": f"id + {coff}", "ticket_id": f"ticket_id + {off}", **_times(dialect, clock, shift)},
        f"ticket_id <= {bound}",
    )


def scale_up(engine: Engine, size: Size) -> None:
    """Double the service-written rows (the last round partly) until the target sizes."""
    dialect = engine.dialect.name
    for rnd in range(1, 40):
        with engine.begin() as conn:
            calls, tickets = _count(conn, "interaction"), _count(conn, "ticket")
            if calls >= size.interactions and tickets >= size.tickets:
                break
            # Alternate the sign so copies stay within the ~90 days (drift under an hour).
            shift = (1 if rnd % 2 else -1) * (rnd * 397 % 3600)
            if calls < size.interactions:
                _copy_calls(conn, dialect, rnd, min(calls, size.interactions - calls), shift)
            if 0 < tickets < size.tickets:
                _copy_tickets(conn, dialect, rnd, min(tickets, size.tickets - tickets), shift)
    with engine.begin() as conn:
        if dialect == "postgresql":
            for table in ("interaction", "audit_entry", "crm_task", "ticket", "sla_clock"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
                )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


# -- measuring ------------------------------------------------------------------------------


def _backend_cpu(session: Session) -> Callable[[], float] | None:
    """The PostgreSQL backend's CPU seconds so far (same machine), or None."""
    if session.bind is None or session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    path = Path(f"/proc/{pid}/stat")
    if not path.exists():
        return None

    def read() -> float:
        fields = path.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    return read


def nearest_rank(values: list[float], share: float) -> float:
    """The smallest value with `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def _range(now: datetime) -> ReportQuery:
    last = now.date() - timedelta(days=1)
    first = last - timedelta(days=RANGE_DAYS - 1)
    return ReportQuery(start=first.isoformat(), end=last.isoformat())


def measure(engine: Engine, size: Size, now: datetime) -> dict[str, float]:
    factory = make_sessionmaker(engine)
    q = _range(now)
    trace = traceability_for(ROOT / "playbooks", READER[0])
    firsts: dict[str, float] = {}
    out(
        f"  {'report':<14}{'reps':>5}{'p50 ms':>10}{'p99 ms':>10}{'cpu ms':>9}"
        f"{'db cpu ms':>11}  rows in range"
    )
    with factory() as s:
        user = s.scalar(select(User).where(User.email == READER[1]))
        assert user is not None
        f = report_filter(s, user, q, now)
        in_range = s.scalar(
            select(func.count(Interaction.id)).where(
                Interaction.org_id == f.org_id,
                Interaction.rang_at >= f.start,
                Interaction.rang_at < f.end,
            )
        )
        tickets = s.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.org_id == f.org_id, Ticket.received_at >= f.start, Ticket.received_at < f.end
            )
        )
        backend = _backend_cpu(s)
        for kind in ReportKind:
            walls: list[float] = []
            cpus: list[float] = []
            dbs: list[float] = []
            # At least 3 repetitions (2 for a report slower than 10 s), more within the budget.
            while len(walls) < (2 if walls and walls[0] > 10 else 3) or (
                len(walls) < size.reps and sum(walls) + walls[-1] <= size.budget
            ):
                db0 = backend() if backend else 0.0
                c0, w0 = time.process_time(), time.perf_counter()
                build(s, kind, f, now, trace)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                dbs.append((backend() - db0) if backend else float("nan"))
                s.rollback()  # a fresh snapshot each time, and nothing kept in the identity map
                s.expunge_all()
            firsts[kind.value] = walls[0]
            out(
                f"  {kind.value:<14}{len(walls):>5}{statistics.median(walls) * 1e3:>10.0f}"
                f"{nearest_rank(walls, 0.99) * 1e3:>10.0f}{statistics.median(cpus) * 1e3:>9.0f}"
                f"{statistics.median(dbs) * 1e3:>11.0f}  "
                + (f"{tickets} tickets" if kind is ReportKind.SLA else f"{in_range} calls")
            )
    return firsts


def explain_calls(engine: Engine, now: datetime) -> None:
    """EXPLAIN ANALYZE of the calls query every call report starts with (its plan's summary)."""
    from sopdesk.reports import query

    with make_sessionmaker(engine)() as s:
        user = s.scalar(select(User).where(User.email == READER[1]))
        assert user is not None
        f = report_filter(s, user, _range(now), now)
        stmt = select(*query._CALL_COLUMNS).where(*query.call_conditions(f))
        compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
        plan = [r[0] for r in s.execute(text(f"EXPLAIN ANALYZE {compiled}"))]
    out("  EXPLAIN ANALYZE of the calls query (30 days, one org):")
    for line in plan:
        if "Scan" in line or "Execution" in line or "Index Cond" in line:
            out(f"    {line.strip()}")


def measure_api(url: str, now: datetime) -> None:
    """One GET per report through the HTTP API (JSON), in this process."""
    from fastapi.testclient import TestClient

    from sopdesk.web.app import create_app

    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        token = create_token(s, org_id=READER[0], email=READER[1], now=now, label="bench")
    engine.dispose()
    q = _range(now)
    app = create_app(Settings(database_url=url, secret_key=SECRET, playbooks=ROOT / "playbooks"))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        for kind in ReportKind:
            c0, w0 = time.process_time(), time.perf_counter()
            answer = client.get(
                f"/api/v1/reports/{kind.value}",
                params={"from": q.start, "to": q.end},
                headers=headers,
            )
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            out(
                f"  API GET /api/v1/reports/{kind.value:<14} {answer.status_code}  "
                f"{wall * 1e3:>7.0f} ms  cpu {cpu * 1e3:>6.0f} ms  {len(answer.content)} bytes"
            )


# -- the two backends -----------------------------------------------------------------------


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    try:
        yield make_url(base).set(database=BENCH_DB).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, size: Size, now: datetime) -> None:
    started = time.perf_counter()
    seed(url, size, now)
    seeded = time.perf_counter()
    engine = make_engine(url)
    try:
        scale_up(engine, size)
        loaded = time.perf_counter()
        with engine.connect() as conn:
            counts = {
                t: _count(conn, t)
                for t in ("interaction", "audit_entry", "crm_task", "ticket", "sla_clock")
            }
        out(
            f"  load: service-written slice {seeded - started:.0f} s, benchmark-only bulk copy "
            f"{loaded - seeded:.0f} s (total {loaded - started:.0f} s): "
            + ", ".join(f"{n} {t}" for t, n in counts.items())
        )
        if engine.dialect.name == "postgresql":
            explain_calls(engine, now)
        out(f"  service layer, {RANGE_DAYS} days up to yesterday, {READER[1]} (whole org):")
        measure(engine, size, now)
    finally:
        engine.dispose()
    measure_api(url, now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=("pg", "sqlite"), help="one backend only")
    args = parser.parse_args()
    now = datetime.now(UTC)
    out(f"bench_reports ({'quick' if args.quick else 'full'}) at {now:%Y-%m-%d %H:%M} UTC")
    out(
        "  the scale-up is a BENCHMARK-ONLY bulk copy of service-written rows (INSERT ... SELECT "
        "with shifted ids and times), not how the desk writes"
    )
    if args.only != "sqlite":
        base = os.environ.get(
            "SOPDESK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
        size = SIZES[("postgresql", args.quick)]
        out(f"== PostgreSQL: {size.interactions} interactions, {size.tickets} tickets")
        with postgres_database(base) as url:
            run(url, size, now)
    if args.only != "pg":
        size = SIZES[("sqlite", args.quick)]
        out(f"== SQLite: {size.interactions} interactions, {size.tickets} tickets")
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", size, now)


if __name__ == "__main__":
    main()
