"""Reading tickets: who sees which, lists and the SLA board, a ticket's thread.

A ticket is seen by its team's members, the org's supervisors and admins, and the person who
raised it from the desk (an agent on a call tells the caller its reference). For anyone else,
like for another org, it does not exist: `access_ticket` answers 404 and no list shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, or_, select
from sqlalchemy.orm import Session

from sopdesk.errors import FieldProblem, Refusal
from sopdesk.escalations.delivery import UndeliveredReply, undelivered_replies
from sopdesk.escalations.models import (
    Attachment,
    Notification,
    OutboundMail,
    SlaState,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from sopdesk.orgs.models import Role, User


class EscalationError(Refusal, ValueError):
    """A request the escalations room refuses (422); the message names the field and what is
    wrong, and `fields` holds that one field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "invalid", f"{field}: {message}", [FieldProblem(field, message)])
        self.field = field


class TicketNotFound(EscalationError):
    """404: another org's ticket is indistinguishable from a missing one."""

    def __init__(self, ticket_id: int) -> None:
        Refusal.__init__(self, 404, "not_found", "ticket not found")
        self.field = "ticket_id"
        self.ticket_id = ticket_id


class NotAllowed(EscalationError):
    """403: the user may read the ticket but not work it."""

    def __init__(self, field: str, message: str) -> None:
        Refusal.__init__(self, 403, "forbidden", message)
        self.field = field


def _sees_every_team(user: User) -> bool:
    return user.role in (Role.SUPERVISOR, Role.ADMIN)


def can_see(user: User, ticket: Ticket) -> bool:
    """The rule `visible_to` states in SQL, for one loaded ticket."""
    if ticket.org_id != user.org_id:
        return False
    if _sees_every_team(user) or (user.role == Role.TEAM and user.team == ticket.team):
        return True
    return ticket.raised_by_id is not None and ticket.raised_by_id == user.id


def sees_event(user: User, kind: str, data: Mapping[str, object]) -> bool:
    """May `user`'s live stream carry this event? A ticket's events (`ticket_event`) follow
    `can_see`; every other event is the org's."""
    if not kind.startswith("ticket.") or _sees_every_team(user):
        return True
    if user.role == Role.TEAM and user.team and data.get("team") == user.team:
        return True
    return data.get("raised_by_id") == user.id


def visible_to(user: User) -> ColumnElement[bool]:
    """The tickets `user` may see, as a WHERE clause (org included)."""
    in_org = Ticket.org_id == user.org_id
    if _sees_every_team(user):
        return in_org
    mine = Ticket.raised_by_id == user.id
    if user.role == Role.TEAM and user.team:
        return and_(in_org, or_(Ticket.team == user.team, mine))
    return and_(in_org, mine)


def access_ticket(session: Session, user: User, ticket_id: int) -> Ticket:
    """The ticket if `user` may see it (`can_see`); else 404, as for another org's."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not can_see(user, ticket):
        raise TicketNotFound(ticket_id)
    return ticket


def can_work(user: User, ticket: Ticket) -> bool:
    """Team members of the ticket's team, supervisors and admins may reply and resolve."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return user.role == Role.TEAM and user.team == ticket.team


def check_can_work(user: User, ticket: Ticket) -> None:
    """Refuse (403) anyone `can_work` says no to."""
    if not can_work(user, ticket):
        raise NotAllowed(
            "user", f"only the {ticket.team} team or a supervisor may work this ticket"
        )


def default_team(user: User) -> str | None:
    """The team whose tickets a user sees first: a team member's own team; None (every team)
    for everyone else."""
    return user.team if user.role == Role.TEAM and user.team else None


def tickets_query(
    user: User, *, team: str | None = None, status: str | None = None
) -> Select[Ticket]:
    """The tickets `user` may see, of one team and status when given."""
    query = select(Ticket).where(visible_to(user))
    if team:
        query = query.where(Ticket.team == team)
    if status:
        if status not in {s.value for s in TicketStatus}:
            raise EscalationError("status", "expected one of open, answered, resolved")
        query = query.where(Ticket.status == status)
    return query


def list_tickets(
    session: Session,
    user: User,
    *,
    team: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Ticket]:
    """Newest first."""
    if not 1 <= limit <= 500:
        raise EscalationError("limit", "expected 1 to 500")
    query = tickets_query(user, team=team, status=status)
    query = query.order_by(Ticket.received_at.desc(), Ticket.id.desc())
    return list(session.scalars(query.limit(limit).offset(max(offset, 0))))


@dataclass
class Board:
    """Open tickets by time left (soonest due first), breached, and met, for one team or all."""

    open: list[Ticket] = field(default_factory=list)
    breached: list[Ticket] = field(default_factory=list)
    met: list[Ticket] = field(default_factory=list)
    # Tickets of the board whose reply has not left (held, failed, retrying): a problem to see.
    undelivered: dict[int, UndeliveredReply] = field(default_factory=dict)


def sla_board(session: Session, user: User, *, team: str | None = None, limit: int = 200) -> Board:
    """The board of the tickets `user` may see."""
    base = tickets_query(user, team=team)
    board = Board()
    running = Ticket.sla_state.in_([SlaState.RUNNING.value, SlaState.REMINDED.value])
    unresolved = Ticket.status != TicketStatus.RESOLVED.value
    # A clock still running on a resolved ticket is a reply that has not left yet (resolved
    # with a held reply): it stays in view until the reply leaves or the clock breaches.
    waiting = or_(running, and_(unresolved, Ticket.sla_state == SlaState.NONE.value))
    # Tickets without a clock sort after every timed one.
    no_clock_last = case((Ticket.sla_due_at.is_(None), 1), else_=0)
    board.open = list(
        session.scalars(
            base.where(waiting)
            .order_by(no_clock_last, Ticket.sla_due_at, Ticket.received_at)
            .limit(limit)
        )
    )
    board.breached = list(
        session.scalars(
            base.where(Ticket.sla_state == SlaState.BREACHED.value)
            .order_by(Ticket.sla_due_at.desc())
            .limit(limit)
        )
    )
    board.met = list(
        session.scalars(
            base.where(Ticket.sla_state == SlaState.MET.value)
            .order_by(Ticket.updated_at.desc())
            .limit(limit)
        )
    )
    shown = [t.id for t in (*board.open, *board.breached, *board.met)]
    board.undelivered = undelivered_replies(session, user.org_id, shown)
    return board


def time_left(ticket: Ticket, now: datetime) -> float | None:
    """Seconds until the SLA is due (negative when overdue), None without a clock."""
    return (ticket.sla_due_at - now).total_seconds() if ticket.sla_due_at else None


@dataclass(frozen=True)
class ThreadEntry:
    message: TicketMessage
    attachments: list[Attachment]
    delivery: OutboundMail | None  # for replies: sent, queued, held or failed


def thread(session: Session, ticket: Ticket) -> list[ThreadEntry]:
    """The ticket's messages, oldest first, with attachments and outbound delivery state."""
    messages = list(
        session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.received_at, TicketMessage.id)
        )
    )
    ids = [m.id for m in messages]
    attachments: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for att in session.scalars(select(Attachment).where(Attachment.message_id.in_(ids))):
            attachments[att.message_id].append(att)
    out_ids = [m.message_id for m in messages if m.direction == "out"]
    mails = {
        m.message_id: m
        for m in session.scalars(select(OutboundMail).where(OutboundMail.message_id.in_(out_ids)))
    }
    return [ThreadEntry(m, attachments[m.id], mails.get(m.message_id)) for m in messages]


def attachment_for(session: Session, user: User, ticket_id: int, attachment_id: int) -> Attachment:
    """An attachment of a message of this ticket, in the user's org."""
    ticket = access_ticket(session, user, ticket_id)
    att = session.scalar(
        select(Attachment)
        .join(TicketMessage, TicketMessage.id == Attachment.message_id)
        .where(Attachment.id == attachment_id, TicketMessage.ticket_id == ticket.id)
    )
    if att is None:
        raise TicketNotFound(ticket_id)
    return att


def notifications_for(session: Session, user: User, limit: int = 50) -> list[Notification]:
    """Newest first: those of the tickets `user` may see (a team member's team, every team for
    supervisors and admins, what an agent raised)."""
    query = (
        select(Notification)
        .join(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.org_id == user.org_id, visible_to(user))
    )
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))
