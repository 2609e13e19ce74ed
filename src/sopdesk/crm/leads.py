"""Working a lead: its stage, its owner, notes, and a follow-up task; each change audited.

Stages are the org's: the ones its playbook's lead rules set (Hot...), the ones its leads
already have, and the usual pipeline (`PIPELINE`); a stage given in another case is stored
in the org's spelling. Every user of the org may work its leads; another org's lead is not
found (404). Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.crm import records
from sopdesk.crm.models import Lead, LeadNote, Task
from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_current_playbook

PIPELINE = ("Hot", "Warm", "Cold", "Won", "Lost")
NOTE_MAX = 5000
TITLE_MAX = 300
DEFAULT_DUE = timedelta(days=1)  # a follow-up task asked for without a due time


class LeadNotFound(Refusal):
    def __init__(self, lead_id: int) -> None:
        super().__init__(
            404, "not_found", "lead not found", [FieldProblem("lead", f"no lead {lead_id}")]
        )


class LeadInvalid(Refusal):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "invalid", f"{field}: {message}", [FieldProblem(field, message)])


def get_lead(session: Session, org_id: str, lead_id: int) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.id == lead_id, Lead.org_id == org_id))


def lead_of(session: Session, user: User, lead_id: int) -> Lead:
    """The lead of the user's org; 404 for a missing or foreign one."""
    lead = get_lead(session, user.org_id, lead_id)
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


def stages(session: Session, org_id: str) -> list[str]:
    """The stages a lead of the org may be moved to: the playbook's first, then the pipeline's,
    then any other already in use."""
    found: list[str] = []
    current = get_current_playbook(session, org_id)
    if current is not None:
        for line in current.playbook.lines:
            found += [rule.stage for rule in line.documentation if rule.stage]
    found += PIPELINE
    found += session.scalars(select(Lead.stage).where(Lead.org_id == org_id).distinct())
    seen: dict[str, str] = {}
    for stage in found:
        seen.setdefault(stage.lower(), stage)
    return list(seen.values())


def teams(session: Session, org_id: str) -> dict[str, str]:
    current = get_current_playbook(session, org_id)
    return {t.id: t.name for t in current.playbook.teams} if current else {}


def people(session: Session, org_id: str) -> list[User]:
    """Who may own a lead or its task: the org's users, by name."""
    return list(session.scalars(select(User).where(User.org_id == org_id).order_by(User.name)))


def _person(session: Session, org_id: str, field: str, user_id: int) -> User:
    person = session.get(User, user_id)
    if person is None or person.org_id != org_id:
        raise LeadInvalid(field, f"no user {user_id} in this org")
    return person


def _audit(
    session: Session, user: User, now: datetime, lead: Lead, action: str, **detail: object
) -> None:
    records.audit(
        session,
        org_id=lead.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type="lead",
        object_id=lead.id,
        detail=detail,
    )


def update_lead(
    session: Session,
    user: User,
    lead_id: int,
    now: datetime,
    *,
    stage: str | None = None,
    owner_id: int | None = None,
    clear_owner: bool = False,
) -> Lead:
    """Move the lead to `stage` and/or give it to `owner_id` (`clear_owner`: to nobody)."""
    lead = lead_of(session, user, lead_id)
    if stage is not None:
        allowed = stages(session, user.org_id)
        wanted = next((s for s in allowed if s.lower() == stage.strip().lower()), None)
        if wanted is None:
            raise LeadInvalid("stage", f"unknown stage {stage!r}: one of {', '.join(allowed)}")
        if wanted != lead.stage:
            _audit(session, user, now, lead, "lead.staged", before=lead.stage, after=wanted)
            lead.stage = wanted
            lead.updated_at = now
    if owner_id is not None or clear_owner:
        owner = (
            _person(session, user.org_id, "owner_id", owner_id) if owner_id is not None else None
        )
        new_id = owner.id if owner else None
        if new_id != lead.owner_id:
            _audit(session, user, now, lead, "lead.owned", before=lead.owner_id, after=new_id)
            lead.owner_id = new_id
            lead.updated_at = now
    return lead


def add_note(session: Session, user: User, lead_id: int, body: str, now: datetime) -> LeadNote:
    lead = lead_of(session, user, lead_id)
    text = body.strip()
    if not text:
        raise LeadInvalid("body", "write the note")
    if len(text) > NOTE_MAX:
        raise LeadInvalid("body", f"at most {NOTE_MAX} characters")
    note = records.write_lead_note(
        session, org_id=lead.org_id, lead_id=lead.id, author=user.name, body=text, now=now
    )
    lead.updated_at = now
    session.flush()
    _audit(session, user, now, lead, "lead.noted", note_id=note.id)
    return note


def notes(session: Session, org_id: str, lead_id: int) -> list[LeadNote]:
    """The lead's notes, newest first."""
    stmt = select(LeadNote).where(LeadNote.org_id == org_id, LeadNote.lead_id == lead_id)
    return list(session.scalars(stmt.order_by(LeadNote.created_at.desc(), LeadNote.id.desc())))


def notes_by_lead(session: Session, org_id: str, lead_ids: list[int]) -> dict[int, list[LeadNote]]:
    """The notes of several leads at once (a page of them), each lead's newest first."""
    found: dict[int, list[LeadNote]] = {i: [] for i in lead_ids}
    if not lead_ids:
        return found
    stmt = select(LeadNote).where(LeadNote.org_id == org_id, LeadNote.lead_id.in_(lead_ids))
    for note in session.scalars(stmt.order_by(LeadNote.created_at.desc(), LeadNote.id.desc())):
        found[note.lead_id].append(note)
    return found


def source_of(lead: Lead) -> str:
    """What a lead's follow-up task names as its source."""
    return f"lead:{lead.id}"


def add_task(
    session: Session,
    user: User,
    lead_id: int,
    now: datetime,
    *,
    title: str,
    due_at: datetime,
    assignee_id: int | None = None,
    team: str | None = None,
) -> Task:
    """A follow-up task for the lead: for a person, a team, or (neither given) the lead's owner,
    else the user who asks. It carries the lead's account and call."""
    lead = lead_of(session, user, lead_id)
    text = title.strip()
    if not text:
        raise LeadInvalid("title", "say what to do")
    if len(text) > TITLE_MAX:
        raise LeadInvalid("title", f"at most {TITLE_MAX} characters")
    if assignee_id is not None:
        _person(session, user.org_id, "assignee_id", assignee_id)
    if team is not None and team not in teams(session, user.org_id):
        raise LeadInvalid("team", f"no team {team!r} in the playbook")
    if assignee_id is None and team is None:
        assignee_id = lead.owner_id or user.id
    task = records.write_task(
        session,
        org_id=lead.org_id,
        title=text,
        due_at=due_at,
        now=now,
        team=team,
        assignee_id=assignee_id,
        account_id=lead.account_id,
        interaction_id=lead.interaction_id,
        source=source_of(lead),
    )
    lead.updated_at = now
    session.flush()
    _audit(session, user, now, lead, "lead.task_added", task_id=task.id, title=text)
    return task


def tasks(session: Session, org_id: str, lead: Lead) -> list[Task]:
    """The lead's follow-up tasks, open first, soonest due first."""
    stmt = select(Task).where(Task.org_id == org_id, Task.source == source_of(lead))
    return list(session.scalars(stmt.order_by(Task.status.desc(), Task.due_at, Task.id)))


def tasks_by_lead(session: Session, org_id: str, leads: list[Lead]) -> dict[int, list[Task]]:
    """The follow-up tasks of several leads at once, each lead's open first, soonest due first."""
    by_source = {source_of(lead): lead.id for lead in leads}
    found: dict[int, list[Task]] = {lead.id: [] for lead in leads}
    if not by_source:
        return found
    stmt = select(Task).where(Task.org_id == org_id, Task.source.in_(list(by_source)))
    for task in session.scalars(stmt.order_by(Task.status.desc(), Task.due_at, Task.id)):
        found[by_source[task.source or ""]].append(task)
    return found
