"""`sopdesk serve`, `sopdesk demo` and `sopdesk simulate`: a desk on its ports, and calls to it.

Before a desk prints its banner or touches its database, `web.preflight` checks that no other
desk serves that database and that both ports are free; each refusal says what to change and
exits 2.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sopdesk.cli.common import fail
from sopdesk.settings import Settings, get_settings

if TYPE_CHECKING:
    from sopdesk.demo import DemoData
    from sopdesk.web.preflight import DeskClaim

HostOpt = Annotated[
    str | None,
    typer.Option(metavar="HOST", help="address to listen on [default: 127.0.0.1]"),
]
HistoryOpt = Annotated[
    int,
    typer.Option(
        "--history",
        min=0,
        max=366,
        metavar="DAYS",
        help="write DAYS days of worked calls up to yesterday, through the desk's services",
    ),
]
PortOpt = Annotated[int | None, typer.Option(metavar="PORT", help="HTTP port [default: 8000]")]
SmtpPortOpt = Annotated[
    int | None,
    typer.Option(metavar="PORT", help="SMTP intake port, 0 for any free one [default: 2525]"),
]

# How to choose another port, per command: `make run` passes PORT and SMTP_PORT through.
SERVE_HINTS = {
    "HTTP": "choose another with --port N or SOPDESK_PORT",
    "SMTP": "choose another with --smtp-port N or SOPDESK_SMTP_PORT",
}
DEMO_HINTS = {
    "HTTP": "choose another with --port N (make run PORT=N)",
    "SMTP": "choose another with --smtp-port N (make run SMTP_PORT=N)",
}


def web_settings(host: str | None, port: int | None, smtp_port: int | None) -> Settings:
    """The environment's settings with the command line's host and ports on top."""
    from pydantic import ValidationError

    try:
        settings = get_settings()
        settings.check_production()
    except (ValidationError, ValueError) as exc:
        raise fail(str(exc)) from None
    changes = {"host": host, "port": port, "smtp_port": smtp_port}
    return settings.model_copy(update={k: v for k, v in changes.items() if v is not None})


def claim(settings: Settings, hints: dict[str, str], *, exclusive: bool) -> DeskClaim:
    """The database's lock and the HTTP port, or exit 2 saying what is in the way."""
    from sopdesk.web.preflight import DatabaseInUse, PortBusy, claim_desk

    try:
        return claim_desk(
            settings.database_url,
            host=settings.host,
            port=settings.port,
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            exclusive=exclusive,
        )
    except DatabaseInUse as exc:
        raise fail(
            f"{exc}. Open that desk, or stop it (Ctrl+C in its terminal) before starting "
            "another; a second desk needs its own database (SOPDESK_DATABASE_URL)"
        ) from None
    except PortBusy as exc:
        raise fail(f"{exc}: another program listens there; {hints[exc.what]}") from None


def on_its_port(settings: Settings, held: DeskClaim) -> Settings:
    """The settings with the port the desk really listens on (port 0 asks for any free one)."""
    if settings.port == 0 and held.http is not None:
        return settings.model_copy(update={"port": held.http.getsockname()[1]})
    return settings


def run_desk(settings: Settings, held: DeskClaim, demo: DemoData | None = None) -> None:
    from sopdesk.web.run import serve as run_server

    try:
        run_server(settings, demo=demo, claim=held)
    except RuntimeError as exc:
        raise fail(str(exc)) from None


def serve(host: HostOpt = None, port: PortOpt = None, smtp_port: SmtpPortOpt = None) -> None:
    """Serve the web desk and the API (database from SOPDESK_DATABASE_URL)."""
    settings = web_settings(host, port, smtp_port)
    # Without Redis, live events stay in their process: the agents of a second desk on the same
    # SQLite file would not see the first desk's calls ring. With Redis, workers share the file.
    held = claim(settings, SERVE_HINTS, exclusive=settings.redis_url is None)
    run_desk(on_its_port(settings, held), held)


def _check_resettable(url: str) -> None:
    from sopdesk.db import sqlite_file

    if sqlite_file(url) is None:
        raise fail(
            f"--reset deletes a SQLite demo database; {url} is not one: "
            "drop and recreate that database yourself"
        )


def _reset(held: DeskClaim) -> None:
    """Delete the demo database; only with the database's exclusive lock held."""
    from sopdesk.web.preflight import delete_sqlite_database

    assert held.database is not None, "checked by _check_resettable"
    delete_sqlite_database(held.database)
    Console(soft_wrap=True).print(f"Reset: deleted {held.database}", highlight=False)


def _banner(settings: Settings, data: DemoData) -> None:
    console = Console(soft_wrap=True)  # a long database path stays on one line
    shown = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0") else settings.host
    console.rule("sopdesk demo")
    console.print(f"Open [bold]http://{shown}:{settings.port}/[/] and log in as one of:")
    for login in data.logins:
        console.print(f"  {login.email:<28} {login.org_name:<12} {login.role_label}")
    console.print(f"Password for every demo login: [bold]{data.password}[/]")
    console.print(f"Database: {settings.database_url}", highlight=False)


def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    smtp_port: SmtpPortOpt = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="delete the demo database first, start afresh")
    ] = False,
    history: HistoryOpt = 0,
) -> None:
    """Load the demo orgs, people, accounts and calls (once: the database is kept between
    runs), with `--history DAYS` days of worked calls for the reports, then serve."""
    from sopdesk.demo import load_demo
    from sopdesk.orgs.service import OrgError

    settings = web_settings(host, port, smtp_port)
    if not settings.playbooks.is_dir():
        raise fail(f"playbooks directory not found: {settings.playbooks} (set SOPDESK_PLAYBOOKS)")
    if reset:
        _check_resettable(settings.database_url)
    held = claim(settings, DEMO_HINTS, exclusive=reset or settings.redis_url is None)
    settings = on_its_port(settings, held)
    if reset:
        _reset(held)
    try:
        data = load_demo(settings, datetime.now(UTC))
    except OrgError as exc:
        held.release()
        raise fail(str(exc)) from None
    if history:
        _write_history(settings, data.org_ids, history)
    _banner(settings, data)
    run_desk(settings, held, demo=data)


def _write_history(settings: Settings, org_ids: list[str], days: int) -> None:
    """`days` days of worked calls and tickets per org, through the desk's services, into the
    settings' database; scenario forms are filled with the values of the org's test cases
    (under the settings' playbooks directory)."""
    from sopdesk.db import make_engine, make_sessionmaker
    from sopdesk.history import write_history
    from sopdesk.playbooks.cases import scenario_examples

    engine = make_engine(settings.database_url)
    try:
        factory = make_sessionmaker(engine)
        for org_id in org_ids:
            examples = scenario_examples(settings.playbooks / org_id)
            try:
                report = write_history(factory, org_id, days, datetime.now(UTC), examples=examples)
            except ValueError as exc:
                raise fail(str(exc)) from None
            sys.stdout.write(f"history {org_id}: {report.summary()}\n")
    finally:
        engine.dispose()


def simulate(
    url: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="base URL of a running sopdesk, e.g. http://127.0.0.1:8000"
        ),
    ] = None,
    org: Annotated[str, typer.Option(help="org the calls are for, e.g. rondesse")] = "",
    line: Annotated[str | None, typer.Option(help="line label the calls ring with")] = None,
    rate: Annotated[float, typer.Option(min=0.01, metavar="N", help="calls per second")] = 1.0,
    duration: Annotated[
        float, typer.Option(min=0.0, metavar="SECONDS", help="seconds to keep calling")
    ] = 10.0,
    to: Annotated[
        str | None, typer.Option("--to", metavar="NUMBER", help="dialed number to send too")
    ] = None,
    history: HistoryOpt = 0,
) -> None:
    """Send RingCentral-format call events (ring, answer, hang up) to a running server; or,
    with `--history DAYS`, write DAYS days of worked calls into the database."""
    from sopdesk.channels.ringcentral.simulate import simulate as run_simulation

    if not org:
        raise fail("--org is required")
    if history:
        _write_history(get_settings(), [org], history)
        return
    if url is None or line is None:
        raise fail("--url and --line are required (or --history DAYS)")

    try:
        report = run_simulation(url, org, line, rate=rate, duration=duration, to_number=to)
    except ValueError as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(report.summary() + "\n")
    raise typer.Exit(0 if report.ok else 1)
