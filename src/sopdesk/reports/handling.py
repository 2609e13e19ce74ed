"""Handling (pure): ring, talk, after-call work and handle time of wrapped-up calls, as
distributions (median, p90) by line, playbook version and agent.

Ring: ringing to answered. Talk: answered to the call's end. After-call work: the end to the
accepted wrap-up. Handle: answered to the wrap-up (talk plus after-call work). Only calls
wrapped up count: an open call's handle time is not known yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from sopdesk.reports.rows import CallRow
from sopdesk.reports.stats import Spread, seconds, spread


class Handling(BaseModel):
    """Seconds."""

    calls: int
    ring: Spread
    talk: Spread
    after_call_work: Spread
    handle: Spread


class HandlingGroup(Handling):
    key: str  # the line id, playbook version or agent id
    name: str


class HandlingReport(BaseModel):
    total: Handling
    by_line: list[HandlingGroup]
    by_playbook_version: list[HandlingGroup]
    by_agent: list[HandlingGroup]


def _handled(c: CallRow) -> bool:
    return c.closed_at is not None and c.answered_at is not None


def _parts(c: CallRow) -> tuple[float, float, float, float]:
    """Ring, talk, after-call work and handle seconds of a handled call."""
    assert c.answered_at is not None and c.closed_at is not None
    ended = c.ended_at or c.closed_at
    return (
        seconds(c.answered_at, c.rang_at),
        seconds(ended, c.answered_at),
        seconds(c.closed_at, ended),
        seconds(c.closed_at, c.answered_at),
    )


def handling(calls: Sequence[CallRow]) -> Handling:
    parts = [_parts(c) for c in calls if _handled(c)]
    return Handling(
        calls=len(parts),
        ring=spread([p[0] for p in parts]),
        talk=spread([p[1] for p in parts]),
        after_call_work=spread([p[2] for p in parts]),
        handle=spread([p[3] for p in parts]),
    )


def _groups(
    calls: Sequence[CallRow], key: Callable[[CallRow], str], name: Callable[[CallRow], str]
) -> list[HandlingGroup]:
    groups: dict[str, list[CallRow]] = defaultdict(list)
    for c in calls:
        if _handled(c):
            groups[key(c)].append(c)
    return [
        HandlingGroup(key=k, name=name(rows[-1]), **handling(rows).model_dump())
        for k, rows in sorted(groups.items())
    ]


def handling_report(calls: Sequence[CallRow]) -> HandlingReport:
    return HandlingReport(
        total=handling(calls),
        by_line=_groups(calls, lambda c: c.line_id, lambda c: c.line_name),
        by_playbook_version=_groups(
            calls, lambda c: c.playbook_version, lambda c: c.playbook_version
        ),
        by_agent=_groups(calls, lambda c: str(c.agent_id), lambda c: c.agent_name or ""),
    )
