"""The live events of tasks: `task.created` when a task is written, `task.updated` when it is
claimed, reassigned, commented or closed. Sent after the commit (sopdesk.events), so a team's
task list refreshes the rows that changed without a reload."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sopdesk.crm.models import Task
from sopdesk.events import Event, send_on_commit

TASK_CREATED = "task.created"
TASK_UPDATED = "task.updated"
TASK_EVENTS = (TASK_CREATED, TASK_UPDATED)


def task_created(session: Session, task: Task) -> None:
    """Announce a new task to its org. Written tasks have no id before the flush, so the event
    says whose it is (team, assignee), not which; lists fetch their new rows."""
    data: dict[str, object] = {"team": task.team, "assignee_id": task.assignee_id}
    data["title"] = task.title
    send_on_commit(session, Event(task.org_id, TASK_CREATED, data))


def task_updated(session: Session, task: Task, change: str, by: int) -> None:
    """Announce a change to one task (`change`: claimed, assigned, commented, closed, done) made
    by the user `by` (whose own page already shows it)."""
    data: dict[str, object] = {
        "id": task.id,
        "team": task.team,
        "assignee_id": task.assignee_id,
        "status": task.status,
        "change": change,
        "by": by,
    }
    send_on_commit(session, Event(task.org_id, TASK_UPDATED, data))
