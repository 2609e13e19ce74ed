"""Time-based checks of playbook test cases: a schedule's dates and an email's SLA clock."""

from __future__ import annotations

from typing import Any

from sopdesk.playbooks.cases.check import SCHEDULE_KEYS, Expect
from sopdesk.playbooks.cases.model import ScheduleGiven
from sopdesk.playbooks.engine import EmailClock, cycle_for, reminder_days
from sopdesk.playbooks.language.schema import RecurringReminder, WeeklyCycle


def check_schedule(
    expect: Expect, rule: WeeklyCycle | RecurringReminder, given: ScheduleGiven
) -> list[str]:
    """Dates of a weekly cycle for `given.submitted`, or reminder days from `given.start`."""
    got: dict[str, Any]
    if isinstance(rule, WeeklyCycle):
        if given.submitted is None:
            return [f"schedule: '{rule.id}' is a weekly cycle: give `submitted:`"]
        dates = cycle_for(rule, given.submitted)
        got = {
            "cycle_submitted_by": dates.submitted_by,
            "cycle_initiated_on": dates.initiated_on,
            "cycle_completed_at": dates.completed_at,
        }
    else:
        if given.start is None:
            return [f"schedule: '{rule.id}' is a recurring reminder: give `start:` and `days:`"]
        got = {
            "reminder_days": reminder_days(rule, given.start, given.days),
            "reminder_message": rule.message,
        }
    f = []
    for key in sorted(expect.model_fields_set & SCHEDULE_KEYS):
        if key not in got:
            f.append(f"{key}: does not apply to {rule.kind.replace('_', ' ')} '{rule.id}'")
        elif getattr(expect, key) != got[key]:
            f.append(f"{key}: expected {getattr(expect, key)!r}, got {got[key]!r}")
    return f


def check_clock(expect: Expect, clock: EmailClock | None, state: str | None) -> list[str]:
    """`clock: null` expects no clock; otherwise each key given must match."""
    if "clock" not in expect.model_fields_set:
        return []
    if expect.clock is None:
        return [] if clock is None else [f"clock: expected none, got {clock!r}"]
    if clock is None:
        return ["clock: expected one, but no email policy times that address"]
    got = {**vars(clock), "state": state}
    return [
        f"clock.{key}: expected {want!r}, got {got[key]!r}"
        for key, want in expect.clock.model_dump(exclude_unset=True).items()
        if want != got[key]
    ]
