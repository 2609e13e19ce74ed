"""GET /health: is the desk doing its work? No login, no secrets (see escalations.health)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from sopdesk.escalations.health import Health, check
from sopdesk.web.deps import Now

router = APIRouter()


class HealthPublic(BaseModel):
    healthy: bool
    checked_at: datetime
    database: bool
    last_sweep_at: datetime | None
    oldest_overdue_clock_seconds: float | None
    outbox_waiting: int
    outbox_oldest_waiting_seconds: float | None
    mail_held: int
    mail_failed: int
    problems: list[str]


def health_public(found: Health) -> HealthPublic:
    return HealthPublic(
        healthy=found.healthy,
        checked_at=found.now,
        database=found.database,
        last_sweep_at=found.last_sweep_at,
        oldest_overdue_clock_seconds=found.oldest_overdue_clock_seconds,
        outbox_waiting=found.outbox_waiting,
        outbox_oldest_waiting_seconds=found.outbox_oldest_waiting_seconds,
        mail_held=found.mail_held,
        mail_failed=found.mail_failed,
        problems=found.problems,
    )


@router.get("/health")
async def health(request: Request, now: Now) -> JSONResponse:
    """200 when healthy, 503 (with the problems named) when not: for load balancers and alerts."""
    found = await run_in_threadpool(check, request.app.state.reader_sessionmaker, now)
    body = health_public(found).model_dump(mode="json")
    return JSONResponse(body, status_code=200 if found.healthy else 503)
