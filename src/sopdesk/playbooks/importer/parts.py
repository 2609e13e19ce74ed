"""Playbook parts that stand on their own: urgency scale, teams, policies, categories, schedules.

Each builder returns models plus the assumptions it had to make, which the draft reports.
"""

from __future__ import annotations

import re

from sopdesk.playbooks.importer.article import PolicyDraft
from sopdesk.playbooks.importer.org import email_addresses, team_id
from sopdesk.playbooks.importer.related import RelatedFound
from sopdesk.playbooks.importer.steps import make_steps
from sopdesk.playbooks.importer.text import clean, label_case, slug
from sopdesk.playbooks.importer.vocab import (
    FREE_MAIL_DOMAINS,
    UNKNOWN_URGENCY_RANK,
    URGENCY_COLORS,
    URGENCY_RANK,
)
from sopdesk.playbooks.language.schema import (
    Channel,
    EscalationPolicy,
    RecurringReminder,
    Schedule,
    Sla,
    Team,
    TicketCategory,
    Urgency,
    WeeklyCycle,
)

DEFAULT_URGENCY = "Normal"
END_OF_DAY = "17:00"


def urgency_scale(words: list[str]) -> tuple[list[Urgency], list[str]]:
    """The org's urgencies, least urgent first, from the words its lines use."""
    assumptions: list[str] = []
    names = list(dict.fromkeys(words))
    if not names:
        names = [DEFAULT_URGENCY]
        assumptions.append(f"the document names no urgency; every line is '{DEFAULT_URGENCY}'")
    order = sorted(
        range(len(names)),
        key=lambda i: (URGENCY_RANK.get(names[i].lower(), UNKNOWN_URGENCY_RANK), i),
    )
    unknown = [n for n in names if n.lower() not in URGENCY_RANK]
    if unknown and len(names) > 1:
        assumptions.append(f"urgency words not ranked by the importer: {', '.join(unknown)}")
    scale = [names[i] for i in order]
    return [_urgency(name, i, len(scale)) for i, name in enumerate(scale)], assumptions


def _urgency(name: str, index: int, count: int) -> Urgency:
    # Spread the palette so the least urgent is calm and the most urgent is red.
    step = (len(URGENCY_COLORS) - 2) / max(count - 1, 1)
    color = URGENCY_COLORS[1 + round(index * step)] if count > 1 else URGENCY_COLORS[1]
    return Urgency(id=slug(name, fallback="urgency"), name=name, color=color)


def teams(names: list[str], text: str, policy: PolicyDraft | None) -> tuple[list[Team], list[str]]:
    """Teams with the addresses the document gives them and the channels it forbids."""
    assumptions: list[str] = []
    addresses = {a.split("@")[0].lower(): a for a in email_addresses(text)}
    domains = [a.split("@")[1] for a in addresses.values()]
    domain = next((d for d in domains if d.split(".")[0].lower() not in FREE_MAIL_DOMAINS), None)
    built: list[Team] = []
    for name in dict.fromkeys(names):
        ident = team_id(name)
        email = addresses.get(ident) or addresses.get(ident.replace("_", "."))
        in_policy = policy is not None and name in policy.teams
        if in_policy and email is None and policy and policy.channel is Channel.EMAIL and domain:
            email = f"{ident.replace('_', '.')}@{domain}"
            assumptions.append(
                f"team {name}: no address given; {email} follows the document's other addresses"
            )
        phone_banned = in_policy and policy is not None and Channel.PHONE in policy.forbidden
        built.append(Team(id=ident, name=name, email=email, phone_allowed=not phone_banned))
    return _unique_teams(built), assumptions


def _unique_teams(built: list[Team]) -> list[Team]:
    seen: dict[str, Team] = {}
    for team in built:
        seen.setdefault(team.id, team)
    return list(seen.values())


def policy(draft: PolicyDraft) -> EscalationPolicy:
    ids = [team_id(t) for t in draft.teams]
    sla = None
    if draft.within is not None:
        sla = Sla(
            within=draft.within,
            measured_from=draft.measured_from,
            team=ids[0] if len(ids) == 1 else None,
        )
    return EscalationPolicy(
        id=slug(f"{' '.join(ids)} by {draft.channel.value}", fallback="policy", limit=6),
        name=f"Requests for the {' or '.join(draft.teams)} team",
        teams=ids,
        trigger=draft.trigger,
        preconditions=draft.preconditions,
        channel=draft.channel,
        forbidden_channels=draft.forbidden,
        tell_caller=draft.tell_caller,
        steps=make_steps(draft.team_steps),
        sla=sla,
    )


def categories(found: RelatedFound) -> list[TicketCategory]:
    return [
        TicketCategory(
            id=slug(c.name, fallback="category"),
            name=c.name,
            team=team_id(c.team),
            fields=[f.model() for f in c.fields],
            summary_only=c.article.cut,
            source=c.article.body,
        )
        for c in found.categories
    ]


def schedules(found: RelatedFound) -> tuple[list[Schedule], list[str]]:
    built: list[Schedule] = []
    assumptions: list[str] = []
    for cycle in found.cycles:
        at = _clock(cycle.completed_at)
        if at is None:
            assumptions.append(f"{cycle.name}: completed at end of day, read as {END_OF_DAY}")
        built.append(
            WeeklyCycle(
                id=slug(cycle.name, fallback="cycle"),
                name=cycle.name,
                team=team_id(cycle.team),
                submit_by=cycle.days["submit_by"],
                initiated_on=cycle.days["initiated_on"],
                completed_on=cycle.days["completed_on"],
                completed_at=at or END_OF_DAY,
                summary_only=cycle.article.cut,
                source=cycle.article.body,
            )
        )
    for reminder in found.reminders:
        built.append(
            RecurringReminder(
                id=slug(reminder.name, fallback="reminder"),
                name=reminder.name,
                team=team_id(reminder.team),
                weekdays=reminder.weekdays,
                last_day_of_month=reminder.last_day_of_month,
                message=label_case(clean(reminder.message)),
                summary_only=reminder.article.cut,
                source=reminder.article.body,
            )
        )
    return built, assumptions


def _clock(note: str | None) -> str | None:
    """ "5 PM" or "17:00" as HH:MM; None for "EOD" or anything else."""
    match = re.search(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b", note or "", re.I)
    if match is None:
        return None
    hour = int(match.group(1)) % 12 + (12 if (match.group(3) or "").lower() == "pm" else 0)
    if not match.group(3):
        hour = int(match.group(1))
    return f"{hour:02d}:{match.group(2) or '00'}" if hour < 24 else None
