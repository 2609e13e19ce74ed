"""Ticket categories with mandatory fields (Accounts' Payment Tracking), the expected credit date
of the weekly payment cycle, and the recurring reminders agents must see today.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sopdesk.crm.models import Account, Contact
from sopdesk.errors import FieldProblem, Refusal
from sopdesk.escalations.clocks import plan_clock, start_clocks
from sopdesk.escalations.models import Ticket, TicketStatus
from sopdesk.escalations.notify import notify_team
from sopdesk.escalations.tickets import EscalationError, access_ticket, check_can_work
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_current_playbook
from sopdesk.playbooks.engine import (
    CycleDates,
    IntakeResult,
    cycle_for,
    reminder_days,
    validate_fields,
)
from sopdesk.playbooks.language.schema import (
    Playbook,
    RecurringReminder,
    TicketCategory,
    WeeklyCycle,
)


class TicketFieldsInvalid(EscalationError):
    """Mandatory fields missing or malformed; `errors` maps each field id to what is expected.

    The message names the fields by their labels; each `fields` entry keeps the id."""

    def __init__(self, result: IntakeResult) -> None:
        problems = [FieldProblem(k, v) for k, v in result.errors.items()]
        labels = ", ".join(result.labels.get(k, k) for k in result.errors)
        Refusal.__init__(self, 422, "invalid", f"check the ticket's fields: {labels}", problems)
        self.field = "fields"
        self.errors = result.errors
        self.result = result

    def __str__(self) -> str:
        return "fields: " + "; ".join(self.result.labelled(k) for k in self.errors)


def _playbook(session: Session, org_id: str) -> Playbook:
    current = get_current_playbook(session, org_id)
    if current is None:
        raise EscalationError("org", f"org '{org_id}' has no published playbook")
    return current.playbook


def find_category(playbook: Playbook | None, category_id: str) -> TicketCategory | None:
    """The playbook's ticket category of that id; None when there is none (or no playbook)."""
    categories = playbook.ticket_categories if playbook else []
    return next((c for c in categories if c.id == category_id), None)


def category_of(playbook: Playbook, category_id: str) -> TicketCategory:
    """The category, or a refusal (422) naming the known ones."""
    category = find_category(playbook, category_id)
    if category is None:
        known = ", ".join(c.id for c in playbook.ticket_categories) or "none"
        raise EscalationError("category", f"no ticket category '{category_id}' (known: {known})")
    return category


def check_fields(
    playbook: Playbook, category: TicketCategory, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Normalised values, or TicketFieldsInvalid naming each problem (a cheque number is
    mandatory only when the payment method is Cheque: the field's `when`)."""
    result = validate_fields(category.fields, raw, playbook.org.default_region)
    if not result.ok:
        raise TicketFieldsInvalid(result)
    return result.values


def _check_own(
    session: Session, org_id: str, account_id: int | None, contact_id: int | None
) -> None:
    """Refuse (422, naming the field) an account or contact that is not one of the org's: an
    unknown id, or another org's, is the same 'no such' to the caller."""
    account = None if account_id is None else session.get(Account, account_id)
    if account_id is not None and (account is None or account.org_id != org_id):
        raise EscalationError("account_id", f"no account {account_id} in your org")
    contact = None if contact_id is None else session.get(Contact, contact_id)
    if contact_id is not None and (contact is None or contact.org_id != org_id):
        raise EscalationError("contact_id", f"no contact {contact_id} in your org")


def raise_category_ticket(
    session: Session,
    user: User,
    *,
    category_id: str,
    fields: Mapping[str, Any],
    subject: str,
    now: datetime,
    account_id: int | None = None,
    contact_id: int | None = None,
    customer_email: str | None = None,
    customer_name: str | None = None,
    playbook: Playbook | None = None,
) -> Ticket:
    """A ticket raised from the desk (e.g. on a call) in a category, for the category's team.

    `playbook` is the version whose category rules apply: a call's hand-off passes the version
    the call rang with; without it, the org's current playbook.
    """
    playbook = playbook or _playbook(session, user.org_id)
    category = category_of(playbook, category_id)
    _check_own(session, user.org_id, account_id, contact_id)
    values = check_fields(playbook, category, fields)
    team = playbook.team(category.team)
    ticket = Ticket(
        org_id=user.org_id,
        team=category.team,
        category=category.id,
        subject=subject.strip() or category.name,
        status=TicketStatus.OPEN.value,
        channel="desk",
        contact_id=contact_id,
        account_id=account_id,
        customer_email=customer_email,
        customer_name=customer_name,
        team_address=team.email if team else None,
        received_at=now,
        fields=values,
        updated_at=now,
        raised_by_id=user.id,
    )
    session.add(ticket)
    session.flush()
    plan = plan_clock(playbook, category.team, "ticket_created", now)
    if plan is not None:
        start_clocks(session, ticket, plan)
    text = f"New {category.name} ticket {ticket.reference} raised by {user.name}"
    notify_team(session, ticket, team, "opened", text, now, mail_team_address=False)
    return ticket


def set_category(
    session: Session,
    user: User,
    ticket_id: int,
    category_id: str,
    fields: Mapping[str, Any],
    now: datetime,
) -> Ticket:
    """File an existing ticket (say, an email to Accounts) under a category of its team."""
    ticket = access_ticket(session, user, ticket_id)
    check_can_work(user, ticket)
    playbook = _playbook(session, user.org_id)
    category = category_of(playbook, category_id)
    if category.team != ticket.team:
        raise EscalationError("category", f"'{category.id}' belongs to the {category.team} team")
    ticket.category = category.id
    ticket.fields = check_fields(playbook, category, fields)
    ticket.updated_at = now
    session.flush()
    return ticket


def weekly_cycle(playbook: Playbook, team_id: str) -> WeeklyCycle | None:
    return next(
        (s for s in playbook.schedules if isinstance(s, WeeklyCycle) and s.team == team_id), None
    )


def expected_credit(playbook: Playbook, team_id: str, submitted: datetime) -> CycleDates | None:
    """When a request submitted now is initiated and credited, by the team's weekly cycle."""
    cycle = weekly_cycle(playbook, team_id)
    return cycle_for(cycle, submitted) if cycle else None


def org_zone(playbook: Playbook | None) -> ZoneInfo:
    """The org's time zone, by its playbook (UTC for an org without one)."""
    return ZoneInfo(playbook.org.timezone if playbook else "UTC")


def org_today(playbook: Playbook | None, now: datetime) -> date:
    """Today's date in the org's time zone (where its reminders and cycles fall)."""
    return now.astimezone(org_zone(playbook)).date()


def reminders_due(playbook: Playbook | None, now: datetime) -> list[RecurringReminder]:
    """The recurring reminders due today in the org's time zone; none without a playbook."""
    return todays_reminders(playbook, org_today(playbook, now)) if playbook else []


def todays_reminders(playbook: Playbook, today: date) -> list[RecurringReminder]:
    """Recurring reminders due today (e.g. the Unclaimed Payments Report on Fridays)."""
    return [
        s
        for s in playbook.schedules
        if isinstance(s, RecurringReminder) and reminder_days(s, today, 1)
    ]
