"""SLA clocks of escalation policies: which clock an email starts, when it is due, its state.

Pure: the playbook, the address an email reached, when it arrived and `now` in; dates out.
The escalations room keeps each clock as a row with these due times; this module says what
the row must hold, so the desk, the sweeper and the playbook tests agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Literal

from sopdesk.playbooks.language.schema import Channel, Playbook, Team

ClockState = Literal["running", "reminder_due", "met", "breached"]


@dataclass(frozen=True)
class EmailClock:
    policy: str
    team: str
    received_at: datetime
    due_at: datetime
    remind_at: datetime


def team_for_address(playbook: Playbook, address: str) -> Team | None:
    """The team reached at `address` ('Legal <LEGAL@x.co>' matches legal@x.co)."""
    wanted = parseaddr(address)[1].strip().casefold()
    if not wanted:
        return None
    return next((t for t in playbook.teams if (t.email or "").casefold() == wanted), None)


def clock_for_email(playbook: Playbook, address: str, received_at: datetime) -> EmailClock | None:
    """The clock an email to `address` starts, or None when no email policy times that team.

    The first policy (in playbook order) that escalates by email with an SLA counted from
    receipt, and whose SLA times that team: its `sla.team`, or without one any of its teams.
    Same rule as `escalations.clocks.plan_clock`, which stores what this predicts.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    team = team_for_address(playbook, address)
    if team is None:
        return None
    for policy in playbook.policies:
        sla = policy.sla
        if policy.channel is not Channel.EMAIL or sla is None:
            continue
        times_team = team.id == sla.team or (sla.team is None and team.id in policy.teams)
        if sla.measured_from != "email_received" or not times_team:
            continue
        return EmailClock(
            policy=policy.id,
            team=team.id,
            received_at=received_at,
            due_at=received_at + sla.within,
            remind_at=received_at + sla.within * sla.remind_at,
        )
    return None


def clock_state(clock: EmailClock, now: datetime, replied_at: datetime | None = None) -> ClockState:
    """Where the clock stands at `now`; a reply at the due instant is still in time."""
    if replied_at is not None and replied_at <= now:
        return "met" if replied_at <= clock.due_at else "breached"
    if now > clock.due_at:
        return "breached"
    return "reminder_due" if now >= clock.remind_at else "running"
