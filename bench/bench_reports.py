"""Benchmark the five reports (volume, handling, documentation, sla, adherence) over 30 days.

Data. Both seed orgs (load_demo: every line, the playbooks' agents, accounts), then a first
slice written through the desk's real services over ~90 days by `history.write_history`: calls
rung, answered, missed and abandoned, scenarios filled from the org's test cases, wrap-ups
refused then accepted (their audit entries, refused items and patterns), hand-off tasks worked
by the teams, and MyOperator tickets taken in by the email intake's pipeline, answered and
swept (reminders, breaches). The history generator's speed is printed in interactions/s.

Scale-up: BENCHMARK ONLY. The service-written rows are then multiplied with bulk SQL
(INSERT ... SELECT with shifted ids and times shifted by a few minutes) up to the target size:
interactions (with their patterns), their wrap-up audit entries (`interaction.wrapped_up` /
`wrap_up_refused`), refused items, tasks, tickets and SLA clocks. This is not how the desk
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

Run: `make bench` or `.venv/bin/python bench/bench_reports.py [--quick] [--only pg|sqlite]
[--keep] [--reuse] [--busy]`: `--keep` leaves the PostgreSQL database for a later `--reuse` run
(which measures it again without loading), `--busy` keeps another process busy on one core
while measuring.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sopdesk.crm.models import AuditEntry, Task
from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.demo import load_demo
from sopdesk.desk.models import Interaction, RefusedItem
from sopdesk.desk.wrapup import WRAP_UP_REFUSED, WRAPPED_UP
from sopdesk.escalations.models import SlaClock, Ticket
from sopdesk.history import write_history
from sopdesk.orgs.models import User
from sopdesk.orgs.service import create_token
from sopdesk.playbooks.cases import scenario_examples
from sopdesk.reports.service import ReportKind, ReportQuery, build, report_filter
from sopdesk.reports.traceability import traceability_for
from sopdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ORGS = ("rondesse", "myoperator")
READER = ("myoperator", "olga@myoperator.example")
COPIED = ("interaction", "audit_entry", "crm_task", "ticket", "sla_clock")
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


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# -- the service-written slice ------------------------------------------------------------


def seed(url: str, size: Size, now: datetime) -> None:
    """Both orgs and DAYS days of history through the services: calls with scenarios filled
    from the org's test cases, hand-offs worked, and (MyOperator) emailed tickets answered and
    swept."""
    load_demo(Settings(database_url=url, playbooks=ROOT / "playbooks"), now, articles=False)
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        calls, seconds = 0, 0.0
        for org in ORGS:
            report = write_history(
                factory,
                org,
                DAYS,
                now,
                per_day=size.per_day,
                examples=scenario_examples(ROOT / "playbooks" / org),
                tickets_per_day=size.tickets_per_day,
            )
            out(f"  history {org}: {report.summary()}")
            calls, seconds = calls + report.calls, seconds + report.seconds
        out(
            f"  history generator: {calls} interactions in {seconds:.1f} s = "
            f"{calls / seconds:.1f} interactions/s (through the desk's services, tickets and "
            "their email intake included)"
        )
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
    item = RefusedItem.__table__
    assert isinstance(item, Table)
    ioff = _max_id(conn, "wrap_up_refused_item")
    _copy(
        conn,
        item,
        {
            "id": f"id + {ioff}",
            "interaction_id": f"interaction_id + {off}",
            **_times(dialect, item, shift),
        },
        f"interaction_id <= {bound}",
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
            for table in (*COPIED, "wrap_up_refused_item"):
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


def _statements(engine: Engine, work: Callable[[], object]) -> int:
    """How many SQL statements `work` sends."""
    sent = 0

    def count(*_: object) -> None:
        nonlocal sent
        sent += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sent


def measure(engine: Engine, size: Size, now: datetime) -> dict[str, float]:
    factory = make_sessionmaker(engine)
    q = _range(now)
    trace = traceability_for(ROOT / "playbooks", READER[0])
    firsts: dict[str, float] = {}
    out(
        f"  {'report':<14}{'reps':>5}{'p50 ms':>10}{'p99 ms':>10}{'cpu ms':>9}"
        f"{'db cpu ms':>11}{'stmts':>7}  rows in range"
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
            statements = _statements(engine, partial(build, s, kind, f, now, trace))
            s.rollback()
            s.expunge_all()
            out(
                f"  {kind.value:<14}{len(walls):>5}{statistics.median(walls) * 1e3:>10.0f}"
                f"{nearest_rank(walls, 0.99) * 1e3:>10.0f}{statistics.median(cpus) * 1e3:>9.0f}"
                f"{statistics.median(dbs) * 1e3:>11.0f}{statements:>7}  "
                + (f"{tickets} tickets" if kind is ReportKind.SLA else f"{in_range} calls")
            )
    return firsts


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
def postgres_database(base: str, keep: bool, reuse: bool) -> Iterator[tuple[str, bool]]:
    """The bench's own database: made afresh, or (`reuse`) the one a `keep` run left."""
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    url = make_url(base).set(database=BENCH_DB).render_as_string(hide_password=False)
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": BENCH_DB}
        ).first()
        reused = bool(reuse and exists and _stored_now(url))
        if not reused:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    try:
        yield url, reused
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()


def _stored_now(url: str) -> datetime | None:
    """The moment a kept database's history was written up to (its `bench_run` row)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT now_at FROM bench_run")).scalar()
    except Exception:  # no such table: not a finished bench database
        return None
    finally:
        engine.dispose()


def load(url: str, size: Size, now: datetime) -> None:
    started = time.perf_counter()
    seed(url, size, now)
    seeded = time.perf_counter()
    engine = make_engine(url)
    try:
        scale_up(engine, size)
        loaded = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_run (now_at TIMESTAMP WITH TIME ZONE)"))
            conn.execute(text("INSERT INTO bench_run VALUES (:now)"), {"now": now})
            counts = {t: _count(conn, t) for t in (*COPIED, "wrap_up_refused_item")}
    finally:
        engine.dispose()
    out(
        f"  load: service-written slice {seeded - started:.0f} s, benchmark-only bulk copy "
        f"{loaded - seeded:.0f} s (total {loaded - started:.0f} s): "
        + ", ".join(f"{n} {t}" for t, n in counts.items())
    )


def run(url: str, size: Size, now: datetime) -> None:
    engine = make_engine(url)
    try:
        out(f"  service layer, {RANGE_DAYS} days up to yesterday, {READER[1]} (whole org):")
        measure(engine, size, now)
    finally:
        engine.dispose()
    measure_api(url, now)


def busy() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=("pg", "sqlite"), help="one backend only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left, if any"
    )
    parser.add_argument(
        "--busy", action="store_true", help="another process busy on a core while measuring"
    )
    args = parser.parse_args()
    now = datetime.now(UTC)
    out(f"bench_reports ({'quick' if args.quick else 'full'}) at {now:%Y-%m-%d %H:%M} UTC")
    if args.busy:
        multiprocessing.Process(target=busy, daemon=True).start()
        out("  another process is busy on one core throughout (--busy)")
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
        with postgres_database(base, args.keep, args.reuse) as (url, reused):
            if reused:
                now = _stored_now(url) or now
                out(f"  reusing the database a --keep run loaded (history up to {now:%Y-%m-%d})")
            else:
                load(url, size, now)
            run(url, size, now)
            now = datetime.now(UTC)
    if args.only != "pg":
        size = SIZES[("sqlite", args.quick)]
        out(f"== SQLite: {size.interactions} interactions, {size.tickets} tickets")
        with tempfile.TemporaryDirectory() as tmp:
            load(f"sqlite:///{tmp}/bench.db", size, now)
            run(f"sqlite:///{tmp}/bench.db", size, now)


if __name__ == "__main__":
    main()
