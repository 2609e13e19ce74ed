"""Calls in: ring, answer, end. One interaction per telephony session, whatever the events' order.

Telephony events may be retried, duplicated or late. The state only moves forward
(ringing -> active -> wrap_up -> closed), and the first event of a session creates the
interaction whichever it is, so nothing is dropped.

A call that ends before anyone accepted it at the desk (no agent owns it, whether or not the
phone system reported it answered) is *missed*: ringing or active -> missed, a final state.
It leaves the queue, needs no steps, and writes what the playbook's `on_missed` owes (the
engine's `missed_plan`) at the moment it ends, in the same transaction, exactly once: a
conditional update moves the row, so a retried or concurrent 'ended' writes nothing again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, assert_never

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sopdesk.crm import records as crm
from sopdesk.crm.models import CallLog, Task
from sopdesk.db import driver_reason
from sopdesk.desk import owed as owed_rows
from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.views import interaction_event
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import Org
from sopdesk.orgs.service import get_current_playbook, get_playbook_version
from sopdesk.playbooks.engine import (
    CallRecord,
    OwedAccountNote,
    OwedCallLog,
    OwedEscalation,
    OwedLead,
    OwedRecord,
    OwedTask,
    OwedTicket,
    match_line,
    missed_plan,
    owns_number,
)

# How far along each state is; missed and closed are both final (neither becomes the other).
_RANK = {State.RINGING: 0, State.ACTIVE: 1, State.WRAP_UP: 2, State.CLOSED: 3, State.MISSED: 3}
_UNACCEPTED = (State.RINGING.value, State.ACTIVE.value)  # states a call can be missed from
MISSED = "interaction.missed"

log = logging.getLogger(__name__)


class CallStatus(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


@dataclass(frozen=True)
class CallIn:
    """A call as any edge reports it (generic API, RingCentral, simulator)."""

    org_id: str
    at: datetime
    status: CallStatus = CallStatus.RINGING
    external_id: str | None = None
    channel: str = "api"
    label: str | None = None
    dialed_number: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    agent_name: str | None = None


def _advance(interaction: Interaction, state: State) -> bool:
    """Move forward only; a late event never undoes a later one."""
    if _RANK[State(interaction.state)] >= _RANK[state]:
        return False
    interaction.state = state.value
    return True


def _create(session: Session, call: CallIn, now: datetime) -> Interaction:
    current = get_current_playbook(session, call.org_id)
    if current is None:
        raise DeskError(404, "not_found", f"org '{call.org_id}' has no published playbook")
    playbook = current.playbook
    match = match_line(playbook, call.label, call.dialed_number)
    urgency = next(u for u in playbook.urgencies if u.id == match.line.urgency)
    interaction = Interaction(
        org_id=call.org_id,
        external_id=call.external_id or uuid.uuid4().hex,
        channel=call.channel,
        state=State.RINGING.value,
        label=call.label,
        dialed_number=call.dialed_number,
        caller_number=call.caller_number,
        caller_name=call.caller_name,
        line_id=match.line.id,
        line_name=match.line.name,
        matched_by=match.matched_by,
        warnings=list(match.warnings),
        urgency_id=urgency.id,
        urgency_name=urgency.name,
        urgency_rank=playbook.urgency_rank(urgency.id),
        playbook_version=current.version,
        rang_at=call.at,
        last_event_at=now,
    )
    session.add(interaction)
    session.flush()
    crm.audit(
        session,
        org_id=call.org_id,
        at=now,
        actor=f"{call.channel}:{call.caller_number or 'unknown'}",
        action="interaction.rang",
        object_type="interaction",
        object_id=interaction.id,
        playbook_version=current.version,
        detail={"line": match.line.id, "matched_by": match.matched_by},
    )
    return interaction


def _find(session: Session, org_id: str, external_id: str) -> Interaction | None:
    return session.scalar(
        select(Interaction).where(
            Interaction.org_id == org_id, Interaction.external_id == external_id
        )
    )


def _get_or_create(session: Session, call: CallIn, now: datetime) -> tuple[Interaction, bool]:
    if call.external_id:
        existing = _find(session, call.org_id, call.external_id)
        if existing is not None:
            return existing, False
    if session.get_bind().dialect.name == "sqlite" or not call.external_id:
        # SQLite transactions hold the write lock from BEGIN: nobody can insert in between.
        return _create(session, call, now), True
    try:
        with session.begin_nested():
            return _create(session, call, now), True
    except IntegrityError:
        # Another worker created the same session's interaction a moment ago: use that one.
        existing = _find(session, call.org_id, call.external_id or "")
        if existing is None:
            raise
        return existing, False


def _fill_gaps(interaction: Interaction, call: CallIn) -> None:
    """Later events may carry what the first lacked (caller name, label)."""
    interaction.caller_name = interaction.caller_name or call.caller_name
    interaction.caller_number = interaction.caller_number or call.caller_number
    interaction.dialed_number = interaction.dialed_number or call.dialed_number
    interaction.label = interaction.label or call.label


def receive_call(session: Session, call: CallIn, now: datetime) -> Interaction:
    """Apply one call event; idempotent per (org, external id, status)."""
    if call.at.tzinfo is None:
        raise DeskError(422, "invalid", "invalid time", [FieldProblem("at", "needs a time zone")])
    interaction, created = _get_or_create(session, call, now)
    changed = created
    if not created:
        _fill_gaps(interaction, call)
        interaction.last_event_at = now
    if call.status is CallStatus.ANSWERED:
        if interaction.answered_at is None:
            interaction.answered_at = call.at
            interaction.agent_name = interaction.agent_name or call.agent_name
        changed |= _advance(interaction, State.ACTIVE)
    elif call.status is CallStatus.ENDED:
        if interaction.ended_at is None:
            interaction.ended_at = call.at
        unaccepted = interaction.agent_id is None and interaction.state in _UNACCEPTED
        if unaccepted and _miss(session, interaction, now):
            send_on_commit(session, interaction_event(interaction, MISSED))
            return interaction
        changed |= _advance(interaction, State.WRAP_UP)
    if changed:
        kind = "interaction.ringing" if created else "interaction.updated"
        send_on_commit(session, interaction_event(interaction, kind))
    return interaction


def _miss(session: Session, interaction: Interaction, now: datetime) -> bool:
    """Make the call missed and write what it owes; False when it was accepted meanwhile (or
    another worker made it missed first): then nothing is written here."""
    session.flush()  # the event's facts (ended_at, caller) reach the row before it moves
    moved = session.execute(
        update(Interaction)
        .where(
            Interaction.id == interaction.id,
            Interaction.agent_id.is_(None),
            Interaction.state.in_(_UNACCEPTED),
        )
        .values(state=State.MISSED.value)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(interaction)
        return False
    set_committed_value(interaction, "state", State.MISSED.value)
    playbook = get_playbook_version(session, interaction.org_id, interaction.playbook_version)
    if playbook is None:  # pragma: no cover - versions are never deleted
        raise LookupError(f"playbook version {interaction.playbook_version} of this call is gone")
    record = CallRecord(
        line=interaction.line_id,
        agent_name=interaction.agent_name or "Nobody",
        started_at=interaction.rang_at,
        ended_at=interaction.ended_at or now,
        caller_number=interaction.caller_number,
        caller_name=interaction.caller_name,
    )
    owed = missed_plan(playbook, record, now)
    rows = [(o.record, _write_missed(session, interaction, o, now)) for o in owed]
    session.flush()
    crm.audit(
        session,
        org_id=interaction.org_id,
        at=now,
        actor=f"{interaction.channel}:{interaction.caller_number or 'unknown'}",
        action=MISSED,
        object_type="interaction",
        object_id=interaction.id,
        playbook_version=interaction.playbook_version,
        detail={
            "written": [{"record": kind, "id": row.id} for kind, row in rows],
            "ended_at": (interaction.ended_at or now).isoformat(),
            "phone_answered_at": (
                interaction.answered_at.isoformat() if interaction.answered_at else None
            ),
        },
    )
    return True


def _write_missed(
    session: Session, i: Interaction, owed: OwedRecord, now: datetime
) -> CallLog | Task:
    """Write one record a missed call owes through the CRM; the engine owes only a call log
    and a call-back task for a missed call."""
    match owed:
        case OwedCallLog(data=d):
            return owed_rows.write_call_log(session, i, d)
        case OwedTask(data=d):
            return owed_rows.write_task(session, i, d, now)
        case OwedLead() | OwedAccountNote() | OwedEscalation() | OwedTicket():
            raise AssertionError(f"a missed call owes no {owed.record}")
        case _:
            assert_never(owed)


class ReportedCall(Protocol):
    """A call event from a phone system that does not know the org (a webhook): the facts of
    `CallIn` without `org_id`; `at` None means now. Edges' own types fit it by shape."""

    @property
    def at(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...  # a `CallStatus` value
    @property
    def external_id(self) -> str | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def dialed_number(self) -> str | None: ...
    @property
    def caller_number(self) -> str | None: ...
    @property
    def caller_name(self) -> str | None: ...
    @property
    def agent_name(self) -> str | None: ...


def org_for_call(session: Session, org_hint: str | None, dialed_number: str | None) -> str | None:
    """The org a call belongs to: the one named (if it exists), else the first whose current
    playbook lists the dialed number (the engine's `owns_number`); None when neither finds one."""
    if org_hint:
        return org_hint if session.get(Org, org_hint) else None
    if not dialed_number:
        return None
    for org_id in session.scalars(select(Org.id)):
        current = get_current_playbook(session, org_id)
        if current is not None and owns_number(current.playbook, dialed_number):
            return org_id
    return None


@dataclass(frozen=True)
class CallsReceived:
    accepted: int  # events applied
    interaction_ids: tuple[int, ...]  # the interactions they touched, sorted, each once
    refused: tuple[str, ...] = ()  # one line per event the database would not take, and why


def receive_reported(
    session: Session, org_hint: str | None, calls: Iterable[ReportedCall], now: datetime
) -> CallsReceived:
    """Apply each call to the org named by `org_hint`, else the one whose current playbook
    lists the dialed number; a call with no org refuses them all (422, nothing applied)."""
    ids: list[int] = []
    refused: list[str] = []
    for reported in calls:
        org_id = org_for_call(session, org_hint, reported.dialed_number)
        if org_id is None:
            why = (
                f"no org '{org_hint}' here"
                if org_hint
                else "add ?org=ORG to the webhook address, or publish the number"
            )
            raise DeskError(422, "invalid", "no org for this call", [FieldProblem("org", why)])
        call = CallIn(
            org_id=org_id,
            at=reported.at or now,
            status=CallStatus(reported.status),
            external_id=reported.external_id,
            channel=reported.channel,
            label=reported.label,
            dialed_number=reported.dialed_number,
            caller_number=reported.caller_number,
            caller_name=reported.caller_name,
            agent_name=reported.agent_name,
        )
        # Each event in its own savepoint: one the database refuses costs only itself.
        try:
            with session.begin_nested():
                ids.append(receive_call(session, call, now).id)
        except (SQLAlchemyError, UnicodeError) as exc:  # UnicodeError: text no driver encodes
            reason = driver_reason(exc)
            log.warning("call event %s refused by the database: %s", reported.external_id, reason)
            refused.append(f"{reported.external_id}: not kept ({type(exc).__name__})")
    return CallsReceived(
        accepted=len(ids), interaction_ids=tuple(sorted(set(ids))), refused=tuple(refused)
    )
