"""Calendar rules of a playbook: when a weekly cycle completes, when a recurring reminder is due.

Pure: the rule and `now` in, dates out. Times are read in the rule's own time zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sopdesk.playbooks.language.schema import RecurringReminder, WeeklyCycle

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _next_weekday(start: date, weekday: str, *, include_today: bool = True) -> date:
    delta = (WEEKDAYS.index(weekday) - start.weekday()) % 7
    if delta == 0 and not include_today:
        delta = 7
    return start + timedelta(days=delta)


@dataclass(frozen=True)
class CycleDates:
    submitted_by: datetime
    initiated_on: date
    completed_at: datetime


def cycle_for(cycle: WeeklyCycle, submitted: datetime) -> CycleDates:
    """The cycle a request submitted at `submitted` falls in: late requests roll a week."""
    zone = ZoneInfo(cycle.timezone)
    local = submitted.astimezone(zone)
    deadline_day = _next_weekday(local.date(), cycle.submit_by)
    deadline = datetime.combine(deadline_day, _hhmm(cycle.submit_cutoff), zone)
    if local > deadline.replace(second=59):
        deadline += timedelta(days=7)
    initiated = _next_weekday(deadline.date(), cycle.initiated_on, include_today=False)
    completed_day = _next_weekday(initiated, cycle.completed_on, include_today=False)
    completed = datetime.combine(completed_day, _hhmm(cycle.completed_at), zone)
    return CycleDates(deadline, initiated, completed)


def reminder_days(reminder: RecurringReminder, start: date, days: int) -> list[date]:
    """Days in [start, start + days) on which the reminder is due."""
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        last = calendar.monthrange(day.year, day.month)[1] == day.day
        if WEEKDAYS[day.weekday()] in reminder.weekdays or (reminder.last_day_of_month and last):
            out.append(day)
    return out
