"""CRM queries and changes every front shares: accounts, their history, leads, tasks.

Every function takes the org (or the acting user) and never returns another org's rows:
`get_*` return None for a missing or foreign object, so fronts answer 404 either way.
Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sopdesk.crm import callers
from sopdesk.crm.models import Account, CallLog, Contact, Lead, Note, Task
from sopdesk.crm.records import audit
from sopdesk.crm.task_events import task_updated
from sopdesk.errors import FieldProblem, Refusal, code_for
from sopdesk.orgs.models import Role, User

T = TypeVar("T")
Owned = TypeVar("Owned", Contact, Note, CallLog, Lead, Task)
Written = TypeVar("Written", CallLog, Lead, Note, Task)

SEARCH_LIMIT = 50
LIST_LIMIT = 200


class CrmError(Refusal):
    """A change the CRM refuses: `status` is what every front answers, `field` what was wrong."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(status, code_for(status), message, [FieldProblem(field, message)])
        self.field = field


class TaskScope(StrEnum):
    MINE = "mine"  # assigned to me
    TEAM = "team"  # assigned to my team
    ALL = "all"  # every task of the org


@dataclass
class AccountDetail:
    account: Account
    contacts: list[Contact] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    calls: list[CallLog] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


@dataclass
class InteractionRecords:
    """What a wrap-up wrote for one call."""

    call_logs: list[CallLog] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def search_accounts(
    session: Session, org_id: str, query: str = "", limit: int = SEARCH_LIMIT
) -> list[Account]:
    """Every account, by name; with `query`, those whose name or email contains it, whose phone
    contains its digits (3 or more) or is the same number, or one of whose contacts does."""
    if query.strip():
        return callers.search(session, org_id, query, limit)
    stmt = select(Account).where(Account.org_id == org_id)
    return list(session.scalars(stmt.order_by(Account.name, Account.id).limit(limit)))


def accounts_for_number(session: Session, org_id: str, number: str | None) -> list[Account]:
    """Accounts whose phone has the caller's digits ('+1 415...' finds '+1415...')."""
    digits = _digits(number or "")
    if len(digits) < 6:
        return []
    rows = session.scalars(
        select(Account).where(Account.org_id == org_id, Account.phone.is_not(None))
    )
    return [a for a in rows if _digits(a.phone or "") == digits]


def get_account(session: Session, org_id: str, account_id: int) -> Account | None:
    return session.scalar(select(Account).where(Account.id == account_id, Account.org_id == org_id))


def _newest(session: Session, stmt: Select[T]) -> list[T]:
    return list(session.scalars(stmt.limit(LIST_LIMIT)))


def account_detail(session: Session, org_id: str, account_id: int) -> AccountDetail | None:
    """The account with its contacts, notes, call history, leads and tasks, newest first."""
    account = get_account(session, org_id, account_id)
    if account is None:
        return None
    where = (org_id, account.id)
    return AccountDetail(
        account=account,
        contacts=_newest(session, _of(Contact, *where).order_by(Contact.id)),
        notes=_newest(session, _of(Note, *where).order_by(Note.created_at.desc(), Note.id.desc())),
        calls=_newest(
            session, _of(CallLog, *where).order_by(CallLog.started_at.desc(), CallLog.id.desc())
        ),
        leads=_newest(session, _of(Lead, *where).order_by(Lead.created_at.desc(), Lead.id.desc())),
        tasks=_newest(session, _of(Task, *where).order_by(Task.status.desc(), Task.due_at)),
    )


def _of(model: type[Owned], org_id: str, account_id: int) -> Select[Owned]:
    return select(model).where(model.org_id == org_id, model.account_id == account_id)


def records_of_interaction(
    session: Session, org_id: str, interaction_id: int
) -> InteractionRecords:
    """The CRM rows a call's wrap-up wrote."""

    def rows(model: type[Written]) -> list[Written]:
        stmt = select(model).where(model.org_id == org_id, model.interaction_id == interaction_id)
        return list(session.scalars(stmt.order_by(model.id)))

    return InteractionRecords(rows(CallLog), rows(Lead), rows(Note), rows(Task))


def leads(session: Session, org_id: str, stage: str | None = None) -> list[Lead]:
    """The org's leads, newest first; only one stage's when `stage` is given (any case)."""
    stmt = select(Lead).where(Lead.org_id == org_id)
    if stage:
        stmt = stmt.where(func.lower(Lead.stage) == stage.strip().lower())
    return _newest(session, stmt.order_by(Lead.created_at.desc(), Lead.id.desc()))


def lead_stages(session: Session, org_id: str) -> list[tuple[str, int]]:
    """Each stage in use with its number of leads, most leads first."""
    counted = session.execute(
        select(Lead.stage, func.count())
        .where(Lead.org_id == org_id)
        .group_by(Lead.stage)
        .order_by(func.count().desc(), Lead.stage)
    )
    return [(stage, int(count)) for stage, count in counted]


def default_task_scope(user: User) -> TaskScope:
    """Where a user's task list opens: their team's tasks when they have a team; everyone's
    for a supervisor or an admin, who oversee every team's (a missed call's call-back for the
    concierges is nobody's own task yet); else their own."""
    if user.team:
        return TaskScope.TEAM
    if user.role in (Role.SUPERVISOR.value, Role.ADMIN.value):
        return TaskScope.ALL
    return TaskScope.MINE


def tasks(
    session: Session, user: User, scope: TaskScope, *, include_done: bool = False
) -> list[Task]:
    """Tasks of the user's org in `scope`, open ones first, soonest due first.

    A user without a team has no team tasks: an empty list, not everyone's.
    """
    stmt = select(Task).where(Task.org_id == user.org_id)
    if scope is TaskScope.MINE:
        stmt = stmt.where(Task.assignee_id == user.id)
    elif scope is TaskScope.TEAM:
        if not user.team:
            return []
        stmt = stmt.where(Task.team == user.team)
    if not include_done:
        stmt = stmt.where(Task.status == "open")
    return _newest(session, stmt.order_by(Task.status.desc(), Task.due_at, Task.id))


def get_task(session: Session, org_id: str, task_id: int) -> Task | None:
    return session.scalar(select(Task).where(Task.id == task_id, Task.org_id == org_id))


def can_complete(user: User, task: Task) -> bool:
    """The assignee, a member of the task's team, a supervisor or an admin may close a task."""
    if user.role in (Role.SUPERVISOR.value, Role.ADMIN.value):
        return True
    if task.assignee_id is not None and task.assignee_id == user.id:
        return True
    return task.team is not None and task.team == user.team


def complete_task(session: Session, user: User, task_id: int, now: datetime) -> Task:
    """Mark a task done (again is a no-op); 404 for another org's, 403 for someone else's."""
    task = get_task(session, user.org_id, task_id)
    if task is None:
        raise CrmError(404, "task", "task not found")
    if not can_complete(user, task):
        raise CrmError(403, "task", "only its assignee, its team or a supervisor may close it")
    if task.status == "done":
        return task
    task.status = "done"
    task.done_at = now
    audit(
        session,
        org_id=task.org_id,
        at=now,
        actor=user.email,
        action="task.done",
        object_type="task",
        object_id=task.id,
        detail={"title": task.title},
    )
    task_updated(session, task, "done", user.id)
    return task


def user_names(session: Session, org_id: str, ids: set[int]) -> dict[int, str]:
    """Names of the org's users by id, for showing assignees."""
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.name).where(User.org_id == org_id, User.id.in_(ids))
    )
    return {user_id: name for user_id, name in rows}
