"""What a report covers: a range of days in the org's zone, and the filters on calls and teams."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sopdesk.errors import FieldProblem, Refusal

MAX_DAYS = 366


class ReportError(Refusal):
    """A report request refused: a bad range or filter, or a filter the role may not use."""


@dataclass(frozen=True)
class ReportFilter:
    """Days `first`..`last` (inclusive, in `zone`) and the optional filters."""

    org_id: str
    zone: ZoneInfo
    first: date
    last: date
    line: str | None = None
    agent_id: int | None = None
    team: str | None = None
    playbook_version: str | None = None
    urgency: str | None = None

    @property
    def start(self) -> datetime:
        """The first day's local midnight (aware; compares with UTC rows)."""
        return datetime.combine(self.first, time(), self.zone)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(count)]

    def but(self, **changes: object) -> ReportFilter:
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """`from`/`to` as ISO dates (default: the 7 days up to today), checked."""
    problems: list[FieldProblem] = []

    def read(name: str, text: str | None, default: date) -> date:
        if not text:
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems.append(FieldProblem(name, "expected a date such as 2026-11-25"))
            return default

    end = read("to", last, today)
    start = read("from", first, end - timedelta(days=6))
    if not problems and start > end:
        problems.append(FieldProblem("from", "must not be after `to`"))
    if not problems and (end - start).days >= MAX_DAYS:
        problems.append(FieldProblem("to", f"a report covers at most {MAX_DAYS} days"))
    if problems:
        raise ReportError(422, "invalid", "the report's range is not valid", problems)
    return start, end
