"""Benchmark email intake and the SLA sweeper on a real database (loopback only).

- emails ingested per second through the embedded SMTP listener (smtplib clients), without
  and with a 100 KB attachment, 1 and 4 client connections;
- one sweeper pass over 100,000 open tickets: nothing due, 1% due, then everything due.

SQLite always; PostgreSQL too when it answers at 127.0.0.1:5432.
Run: `make bench` or `.venv/bin/python bench/bench_email.py [--quick]`. Prints figures only.
"""

from __future__ import annotations

import argparse
import smtplib
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.channels.email.listener import start_smtp
from sopdesk.db import make_engine, make_sessionmaker, migrate, transaction
from sopdesk.escalations.models import SlaClock, Ticket
from sopdesk.escalations.sweeper import sweep
from sopdesk.orgs.service import publish_playbook
from sopdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sopdesk_bench_email"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ATTACHMENT = bytes(range(256)) * 400  # 100 KB, base64 on the wire


def postgres_url() -> str | None:
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS sopdesk_bench_email WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE sopdesk_bench_email"))
        admin.dispose()
        return PG_URL
    except Exception as exc:  # no server: the SQLite figures stand alone
        print(f"PostgreSQL not reachable ({type(exc).__name__}): SQLite only")
        return None


def prepared(url: str) -> sessionmaker[Session]:
    migrate(url)
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as s:
        publish_playbook(s, (ROOT / "playbooks/myoperator/playbook.yaml").read_text(), T0)
    return factory


def message(i: int, with_attachment: bool) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Client {i} <client{i}@example.com>"
    msg["To"] = "legal@myoperator.co"
    msg["Subject"] = f"Question {i}"
    msg["Message-ID"] = f"<bench-{i}-{with_attachment}@example.com>"
    msg.set_content(f"Please look at contract {i}.\n" * 20)
    if with_attachment:
        msg.add_attachment(ATTACHMENT, maintype="application", subtype="pdf", filename="c.pdf")
    return msg.as_bytes(policy=SMTP)


def bench_smtp(factory: sessionmaker[Session], count: int, attach: bool, clients: int) -> str:
    handle = start_smtp(Settings(smtp_port=0), factory)
    offset = clients * 1_000_000 + (500_000 if attach else 0)
    mails = [message(offset + i, attach) for i in range(count)]

    def send(part: list[bytes]) -> None:
        with smtplib.SMTP(handle.host, handle.port, timeout=60) as smtp:
            for raw in part:
                smtp.sendmail("client@example.com", ["legal@myoperator.co"], raw)

    threads = [threading.Thread(target=send, args=(mails[i::clients],)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    handle.stop()
    kind = "with a 100 KB attachment" if attach else "text only"
    return f"  {count / elapsed:7.1f} emails/s  ({count} emails, {clients} connection(s), {kind})"


def seed_tickets(factory: sessionmaker[Session], count: int) -> None:
    """`count` open Legal tickets received one second apart from T0, with their two clocks."""
    chunk = 5000
    with transaction(factory) as s:
        for base in range(0, count, chunk):
            rows = [
                dict(
                    org_id="myoperator",
                    team="legal",
                    subject=f"Ticket {i}",
                    status="open",
                    channel="email",
                    received_at=T0 + timedelta(seconds=i),
                    sla_due_at=T0 + timedelta(seconds=i, hours=24),
                    sla_state="running",
                    fields={},
                    updated_at=T0,
                )
                for i in range(base, min(base + chunk, count))
            ]
            s.execute(insert(Ticket), rows)
        ids = s.scalars(select(Ticket.id).order_by(Ticket.id)).all()
        for base in range(0, len(ids), chunk):
            clocks = []
            for n, ticket_id in enumerate(ids[base : base + chunk], start=base):
                start = T0 + timedelta(seconds=n)
                for kind, hours in (("reminder", 18), ("resolution", 24)):
                    clocks.append(
                        dict(
                            org_id="myoperator",
                            ticket_id=ticket_id,
                            kind=kind,
                            policy_id="legal_accounts_by_email",
                            started_at=start,
                            due_at=start + timedelta(hours=hours),
                            state="pending",
                        )
                    )
            s.execute(insert(SlaClock), clocks)
    engine = factory.kw["bind"]
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE ticket, sla_clock"))  # as autovacuum would after a load


def bench_sweeper(factory: sessionmaker[Session], count: int, full: bool) -> list[str]:
    seed_tickets(factory, count)
    out = []
    passes = [("nothing due", T0), ("1% due", T0 + timedelta(hours=18, seconds=count // 100 - 1))]
    if full:
        passes.append(("everything due", T0 + timedelta(days=5)))
    for label, now in passes:
        start = time.perf_counter()
        report = sweep(factory, now)
        elapsed = time.perf_counter() - start
        fired = report.reminded + report.breached
        out.append(
            f"  one pass over {count:,} open tickets, {label}: {elapsed * 1000:9.1f} ms "
            f"({fired:,} clocks fired, {report.reminded:,} reminders, {report.breached:,} breaches)"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer emails, no full sweep")
    args = parser.parse_args()
    emails = 100 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{tmp}/bench.db")]
        pg = postgres_url()
        if pg:
            targets.append(("PostgreSQL", pg))
        for name, url in targets:
            factory = prepared(url)
            print(f"== email intake through SMTP ({name})")
            for attach in (False, True):
                for clients in (1, 4):
                    print(bench_smtp(factory, emails, attach, clients))
            sweeper_factory = prepared(url.replace("bench.db", "sweep.db"))
            if name == "PostgreSQL":
                with transaction(sweeper_factory) as s:
                    s.execute(text("TRUNCATE ticket, sla_clock CASCADE"))
            print(f"== SLA sweeper ({name})")
            for line in bench_sweeper(sweeper_factory, 100_000, full=not args.quick):
                print(line)


if __name__ == "__main__":
    main()
