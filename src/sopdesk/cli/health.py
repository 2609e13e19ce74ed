"""`sopdesk health`: the same check as GET /health, against the configured database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from sopdesk.cli import app
from sopdesk.db import make_engine, make_reader_sessionmaker
from sopdesk.escalations.health import Health, check
from sopdesk.settings import get_settings


def _lines(found: Health) -> list[str]:
    def age(seconds: float | None) -> str:
        return "none" if seconds is None else f"{int(seconds)} s"

    return [
        f"database: {'answers' if found.database else 'does not answer'}",
        f"last SLA sweep: {found.last_sweep_at.isoformat() if found.last_sweep_at else 'never'}",
        f"oldest overdue unfired clock: {age(found.oldest_overdue_clock_seconds)}",
        f"mail waiting to leave: {found.outbox_waiting}"
        f" (oldest {age(found.outbox_oldest_waiting_seconds)})",
        f"mail held (no relay): {found.mail_held}; failed: {found.mail_failed}",
        *[f"PROBLEM: {p}" for p in found.problems],
        "healthy" if found.healthy else "UNHEALTHY",
    ]


@app.command()
def health(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON, as GET /health")] = False,
) -> None:
    """Check the database, the SLA sweeper and the outbox; exit 1 when unhealthy."""
    engine = make_engine(get_settings().database_url)
    try:
        found = check(make_reader_sessionmaker(engine), datetime.now(UTC))
    finally:
        engine.dispose()
    if as_json:
        from sopdesk.web.ui.health import health_public

        typer.echo(json.dumps(health_public(found).model_dump(mode="json"), indent=2))
    else:
        typer.echo("\n".join(_lines(found)))
    raise typer.Exit(0 if found.healthy else 1)
