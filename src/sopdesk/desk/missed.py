"""Missed calls as the supervisor sees them: calls that ended before anyone accepted them,
each with the call-back tasks its playbook's `on_missed` left (the board shows them, and
`GET /api/v1/board`). What a missed call writes is in `desk.calls`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.crm.models import Task
from sopdesk.desk import service as desk
from sopdesk.desk.models import State

MISSED_LIMIT = 20  # latest missed calls shown


class CallBack(BaseModel):
    """A call-back task a missed call left."""

    task_id: int
    title: str
    team: str | None
    status: str = Field(description="the task's status: open until the team closes it")
    due_at: datetime
    done_at: datetime | None
    overdue: bool = Field(description="still open past its due time")


class MissedCall(BaseModel):
    """A call that ended before anyone accepted it."""

    interaction_id: int
    line_id: str
    line_name: str
    urgency_name: str
    urgency_rank: int
    caller_name: str | None
    caller_number: str | None
    rang_at: datetime
    ended_at: datetime | None
    call_backs: list[CallBack] = Field(description="none: the playbook owes only a call log")


def missed_calls(
    session: Session, org_id: str, now: datetime, limit: int = MISSED_LIMIT
) -> list[MissedCall]:
    """The org's latest missed calls, newest first, each with the call-back tasks it left."""
    rows = desk.interactions(session, org_id, state=State.MISSED, limit=limit)
    tasks: dict[int, list[CallBack]] = {}
    if rows:
        query = (
            select(Task)
            .where(Task.org_id == org_id, Task.interaction_id.in_([r.id for r in rows]))
            .order_by(Task.id)
        )
        for task in session.scalars(query):
            assert task.interaction_id is not None
            tasks.setdefault(task.interaction_id, []).append(
                CallBack(
                    task_id=task.id,
                    title=task.title,
                    team=task.team,
                    status=task.status,
                    due_at=task.due_at,
                    done_at=task.done_at,
                    overdue=task.status == "open" and task.due_at < now,
                )
            )
    return [
        MissedCall(
            interaction_id=r.id,
            line_id=r.line_id,
            line_name=r.line_name,
            urgency_name=r.urgency_name,
            urgency_rank=r.urgency_rank,
            caller_name=r.caller_name,
            caller_number=r.caller_number,
            rang_at=r.rang_at,
            ended_at=r.ended_at,
            call_backs=tasks.get(r.id, []),
        )
        for r in rows
    ]
