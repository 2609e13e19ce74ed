"""Team follow-up: tasks claimed, reassigned, commented and closed with an outcome.

Who may do what (every front asks these, none decides itself):

- claim (assignee = me): a member of the task's team, a supervisor or an admin;
- reassign: the same people, to a member of the task's team (to anyone of the org when the
  task has no team);
- comment, close with an outcome, mark done: its assignee, its team, a supervisor or an admin
  (`crm.service.can_complete`).

Refusals: 404 for a missing task or another org's, 403 for someone who may not, 409 for a task
already closed, 422 for a bad value. Every change is audited (crm.records.audit) and announced
live after the commit (`task.updated`, crm.task_events). Nothing here commits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.crm.models import Account, Contact, Task, TaskComment
from sopdesk.crm.records import audit
from sopdesk.crm.service import (
    CrmError,
    TaskScope,
    can_complete,
    default_task_scope,
    get_task,
)
from sopdesk.crm.task_events import task_updated
from sopdesk.orgs.models import Role, User

OUTCOME_MAX = 200
COMMENT_MAX = 4000
OPEN = "open"
DONE = "done"


class OutcomeCode(StrEnum):
    """What became of a closed task, for counting; the outcome text says it in words."""

    RESOLVED = "resolved"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    ESCALATED = "escalated"
    NOT_NEEDED = "not_needed"


OUTCOME_LABELS = {
    OutcomeCode.RESOLVED: "Resolved",
    OutcomeCode.NO_ANSWER: "No answer",
    OutcomeCode.LEFT_MESSAGE: "Left a message",
    OutcomeCode.ESCALATED: "Escalated",
    OutcomeCode.NOT_NEEDED: "Not needed",
}


# -- who may ------------------------------------------------------------------------------


def _supervises(user: User) -> bool:
    return user.role in (Role.SUPERVISOR.value, Role.ADMIN.value)


def _in_team(user: User, task: Task) -> bool:
    return task.team is not None and task.team == user.team


def may_hand_out(user: User, task: Task) -> bool:
    """May claim or reassign the task: its team's members, supervisors, admins."""
    return _supervises(user) or _in_team(user, task)


def can_claim(user: User, task: Task) -> bool:
    return task.status == OPEN and task.assignee_id != user.id and may_hand_out(user, task)


def can_assign(user: User, task: Task) -> bool:
    return task.status == OPEN and may_hand_out(user, task)


def can_close(user: User, task: Task) -> bool:
    return task.status == OPEN and can_complete(user, task)


def works_from_tasks(user: User) -> bool:
    """A team member's home is their team's tasks; agents and supervisors keep the queue."""
    return user.role == Role.TEAM.value and bool(user.team)


def home_scope(user: User) -> TaskScope:
    return default_task_scope(user)


# -- changes ------------------------------------------------------------------------------


def _task(session: Session, user: User, task_id: int) -> Task:
    task = get_task(session, user.org_id, task_id)
    if task is None:
        raise CrmError(404, "task", "task not found")
    return task


def _open(task: Task) -> None:
    if task.status != OPEN:
        raise CrmError(409, "task", "this task is already closed")


def _may_hand_out(user: User, task: Task) -> None:
    if not may_hand_out(user, task):
        raise CrmError(403, "task", "only its team or a supervisor may hand it out")


def _may_work(user: User, task: Task) -> None:
    if not can_complete(user, task):
        raise CrmError(403, "task", "only its assignee, its team or a supervisor may work it")


def _audit(
    session: Session, user: User, task: Task, action: str, now: datetime, **detail: object
) -> None:
    audit(
        session,
        org_id=task.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type="task",
        object_id=task.id,
        detail={"title": task.title, **detail},
    )


def claim(session: Session, user: User, task_id: int, now: datetime) -> Task:
    """Make the task mine. Claiming a task already mine changes nothing."""
    task = _task(session, user, task_id)
    _may_hand_out(user, task)
    _open(task)
    if task.assignee_id == user.id:
        return task
    before = task.assignee_id
    task.assignee_id = user.id
    _audit(session, user, task, "task.claimed", now, before=before, assignee_id=user.id)
    task_updated(session, task, "claimed", user.id)
    return task


def assignable(session: Session, task: Task) -> list[User]:
    """Whom the task may be given to: its team's members (the org's people without a team)."""
    stmt = select(User).where(User.org_id == task.org_id)
    if task.team is not None:
        stmt = stmt.where(User.team == task.team)
    return list(session.scalars(stmt.order_by(User.name, User.id)))


def assign(session: Session, user: User, task_id: int, to_user_id: int, now: datetime) -> Task:
    """Give the task to another member of its team."""
    task = _task(session, user, task_id)
    _may_hand_out(user, task)
    _open(task)
    target = session.get(User, to_user_id)
    if target is None or target.org_id != task.org_id:
        raise CrmError(422, "user_id", "no such person in your organisation")
    if task.team is not None and target.team != task.team:
        raise CrmError(422, "user_id", f"{target.name} is not a member of the task's team")
    if task.assignee_id == target.id:
        return task
    before = task.assignee_id
    task.assignee_id = target.id
    _audit(session, user, task, "task.assigned", now, before=before, assignee_id=target.id)
    task_updated(session, task, "assigned", user.id)
    return task


def _text(value: str, name: str, limit: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise CrmError(422, name, f"write {what}")
    if len(text) > limit:
        raise CrmError(422, name, f"at most {limit} characters")
    return text


def comment(session: Session, user: User, task_id: int, body: str, now: datetime) -> TaskComment:
    """Add a comment to the task's thread."""
    task = _task(session, user, task_id)
    _may_work(user, task)
    _open(task)
    row = _add_comment(session, user, task, _text(body, "body", COMMENT_MAX, "a comment"), now)
    _audit(session, user, task, "task.commented", now, comment_id=row.id)
    task_updated(session, task, "commented", user.id)
    return row


def _add_comment(session: Session, user: User, task: Task, body: str, now: datetime) -> TaskComment:
    row = TaskComment(
        org_id=task.org_id,
        task_id=task.id,
        author_id=user.id,
        author=user.name,
        body=body,
        created_at=now,
    )
    session.add(row)
    session.flush()  # the audit entry names the comment
    return row


def comments(session: Session, user: User, task_id: int) -> list[TaskComment]:
    """The task's thread, oldest first; anyone of the task's org may read it."""
    task = _task(session, user, task_id)
    return _thread(session, task.org_id, [task.id])[task.id]


def _thread(session: Session, org_id: str, task_ids: list[int]) -> dict[int, list[TaskComment]]:
    found: dict[int, list[TaskComment]] = {task_id: [] for task_id in task_ids}
    if not task_ids:
        return found
    rows = session.scalars(
        select(TaskComment)
        .where(TaskComment.org_id == org_id, TaskComment.task_id.in_(task_ids))
        .order_by(TaskComment.created_at, TaskComment.id)
    )
    for row in rows:
        found[row.task_id].append(row)
    return found


def close(
    session: Session,
    user: User,
    task_id: int,
    outcome: str,
    now: datetime,
    *,
    code: OutcomeCode | None = None,
    note: str | None = None,
) -> Task:
    """Close the task with what came of it (a short text, optionally a code); a note joins the
    thread. A closed task stays closed: closing it again is a 409."""
    task = _task(session, user, task_id)
    _may_work(user, task)
    _open(task)
    text = _text(outcome, "outcome", OUTCOME_MAX, "what came of it")
    extra = _text(note, "note", COMMENT_MAX, "a note") if note and note.strip() else None
    task.status = DONE
    task.done_at = now
    task.outcome = text
    task.outcome_code = code.value if code else None
    if extra:
        _add_comment(session, user, task, extra, now)
    _audit(
        session,
        user,
        task,
        "task.closed",
        now,
        outcome=text,
        outcome_code=task.outcome_code,
        note=extra,
    )
    task_updated(session, task, "closed", user.id)
    return task


# -- what the task list shows -------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A phone number or an email address, to call or write from the task."""

    href: str  # tel:+12125550188, mailto:m.lopez@nypd.example
    text: str
    whose: str | None = None  # "Dee Carter" for the account's, None for the intake's


@dataclass
class TaskCard:
    """One task as its list shows it: whether it is late, how to reach the caller, its thread,
    and what the viewer may do with it."""

    task: Task
    overdue: str | None  # "Overdue by 2h"
    intake_links: dict[str, Link] = field(default_factory=dict)  # intake field -> link
    account_name: str | None = None
    account_links: list[Link] = field(default_factory=list)
    comments: list[TaskComment] = field(default_factory=list)
    members: list[tuple[int, str]] = field(default_factory=list)  # whom it may go to
    can_claim: bool = False
    can_assign: bool = False
    can_close: bool = False
    outcome_label: str | None = None


EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")


def phone_link(value: str, whose: str | None = None) -> Link | None:
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    if not PHONE.match(text) or len(digits) < 7:
        return None
    return Link(f"tel:{'+' if text.startswith('+') else ''}{digits}", text, whose)


def email_link(value: str, whose: str | None = None) -> Link | None:
    text = value.strip()
    return Link(f"mailto:{text}", text, whose) if EMAIL.match(text) else None


def link_for(key: str, value: object) -> Link | None:
    """A tel: or mailto: link for an intake value that is a phone number or an email."""
    if not isinstance(value, str):
        return None
    if found := email_link(value):
        return found
    if any(word in key for word in ("phone", "number", "mobile", "tel")):
        return phone_link(value)
    return None


def overdue_by(task: Task, now: datetime) -> timedelta | None:
    """How late an open task is at `now` (None when it is not)."""
    if task.status != OPEN or task.due_at >= now:
        return None
    return now - task.due_at


def late_text(late: timedelta) -> str:
    """'Overdue by 2h', 'Overdue by 1d 3h', 'Overdue by 6m'."""
    minutes = int(late.total_seconds() // 60)
    if minutes < 1:
        return "Overdue by under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        parts = [f"{days}d"] + ([f"{hours}h"] if hours else [])
    elif hours:
        parts = [f"{hours}h"] + ([f"{mins}m"] if mins else [])
    else:
        parts = [f"{mins}m"]
    return "Overdue by " + " ".join(parts)


def _account_links(account: Account, contacts: list[Contact]) -> list[Link]:
    links: list[Link] = []
    for whose, phone, email in [(account.name, account.phone, account.email)] + [
        (c.name or account.name, c.phone, c.email) for c in contacts
    ]:
        for link in (phone_link(phone or "", whose), email_link(email or "", whose)):
            if link is not None and link.href not in {known.href for known in links}:
                links.append(link)
    return links


def task_cards(session: Session, user: User, rows: list[Task], now: datetime) -> list[TaskCard]:
    """The cards of `rows` (tasks of the user's org) for the user at `now`."""
    ids = [t.id for t in rows]
    threads = _thread(session, user.org_id, ids)
    account_ids = {t.account_id for t in rows if t.account_id}
    accounts = {
        a.id: a
        for a in session.scalars(
            select(Account).where(Account.org_id == user.org_id, Account.id.in_(account_ids))
        )
    }
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for c in session.scalars(
        select(Contact)
        .where(Contact.org_id == user.org_id, Contact.account_id.in_(account_ids))
        .order_by(Contact.id)
    ):
        if c.account_id is not None:
            contacts[c.account_id].append(c)
    teams: dict[str | None, list[tuple[int, str]]] = {}
    cards = []
    for t in rows:
        intake = (t.data or {}).get("intake") or {}
        links = {k: link for k, v in intake.items() if (link := link_for(k, v)) is not None}
        account = accounts.get(t.account_id) if t.account_id else None
        hand_out = can_assign(user, t)
        if hand_out and t.team not in teams:
            teams[t.team] = [(u.id, u.name) for u in assignable(session, t)]
        late = overdue_by(t, now)
        code = t.outcome_code
        cards.append(
            TaskCard(
                task=t,
                overdue=late_text(late) if late else None,
                intake_links=links,
                account_name=account.name if account else None,
                account_links=_account_links(account, contacts[account.id]) if account else [],
                comments=threads[t.id],
                members=[m for m in teams.get(t.team, []) if m[0] != t.assignee_id]
                if hand_out
                else [],
                can_claim=can_claim(user, t),
                can_assign=hand_out,
                can_close=can_close(user, t),
                outcome_label=OUTCOME_LABELS.get(OutcomeCode(code)) if code else None,
            )
        )
    return cards
