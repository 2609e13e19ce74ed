"""A history to look at: days of calls written through the desk's own services, as agents
would work them (ring, take or miss, tick the steps, a wrap-up refused now and then, wrap up).

Nothing here writes a row itself: every call goes through `desk.calls.receive_call`,
`desk.service` and `desk.wrapup.wrap_up`, so the history holds exactly what the desk would have
written (CRM records, audit entries, hand-off tasks, missed-call call-backs). The same seed
gives the same history. Agents work shifts in the org's zone; a call that rings when nobody is
on shift is missed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.crm.models import Account
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from sopdesk.desk.errors import DocumentationMissing
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import progress_of
from sopdesk.desk.wrapup import wrap_up
from sopdesk.errors import Refusal
from sopdesk.orgs.models import Role, User
from sopdesk.orgs.service import create_user, get_current_playbook, org_zone
from sopdesk.playbooks.engine import Missing
from sopdesk.playbooks.language.schema import Line, Playbook

# Agents the history adds to an org that has fewer (their shifts cover 06:00 to 24:00).
HISTORY_AGENTS = ("Bo Lind", "Cruz Diaz", "Dana Okoro")
SHIFT_HOURS = 8
PASSWORD = "sopdesk-demo"
SUMMARIES = (
    "Caller asked about their account; answered from the SOP",
    "Walked the caller through the next steps",
    "Caller reported a suspicious call; advised per the SOP",
    "Follow-up promised as the playbook says",
)
# Hours of the day (org's zone) calls ring at, and how many more in the daytime.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 13, 14, 13, 12, 10, 8, 6, 4, 3, 2, 1]


@dataclass
class HistoryReport:
    days: int = 0
    calls: int = 0
    missed: int = 0
    wrapped_up: int = 0
    refused: int = 0
    left_in_wrap_up: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.calls / self.seconds if self.seconds else 0.0
        return (
            f"{self.calls} calls over {self.days} days: {self.wrapped_up} wrapped up "
            f"({self.refused} refused first), {self.missed} missed, "
            f"{self.left_in_wrap_up} left in wrap-up; "
            f"{self.seconds:.1f} s, {rate:.0f} calls/s"
        )


@dataclass(frozen=True)
class _Org:
    org_id: str
    zone: ZoneInfo
    playbook: Playbook
    lines: list[Line]
    agents: list[User]
    accounts: list[int]


def _agents(session: Session, org_id: str, now: datetime) -> list[User]:
    """The org's agents, with the history's own added up to three."""
    found = list(
        session.scalars(
            select(User)
            .where(User.org_id == org_id, User.role == Role.AGENT.value)
            .order_by(User.id)
        )
    )
    for name in HISTORY_AGENTS:
        if len(found) >= len(HISTORY_AGENTS):
            break
        email = f"{name.split()[0].lower()}@{org_id}.example"
        existing = session.scalar(select(User).where(User.email == email))
        found.append(
            existing
            or create_user(
                session,
                org_id=org_id,
                email=email,
                name=name,
                role=Role.AGENT,
                password=PASSWORD,
                now=now,
            )
        )
    return found


def _org(factory: sessionmaker[Session], org_id: str, now: datetime) -> _Org:
    with transaction(factory) as session:
        current = get_current_playbook(session, org_id)
        if current is None:
            raise ValueError(f"org {org_id!r} has no published playbook")
        agents = _agents(session, org_id, now)
        accounts = list(session.scalars(select(Account.id).where(Account.org_id == org_id)))
        lines = [line for line in current.playbook.lines if not line.fallback]
        lines = lines or list(current.playbook.lines)  # an org with only a fallback line
        zone = org_zone(session, org_id)
    return _Org(org_id, zone, current.playbook, lines, agents, accounts)


def _on_shift(org: _Org, at: datetime) -> list[User]:
    hour = at.astimezone(org.zone).hour
    return [
        agent
        for n, agent in enumerate(org.agents)
        if (hour - 6 - n * 5) % 24 < SHIFT_HOURS  # 06-14, 11-19, 16-24
    ]


def _fix(
    session: Session, user: User, iid: int, m: Missing, org: _Org, rng: random.Random, now: datetime
) -> None:
    """Do what one missing item asks, as an agent would."""
    if m.code == "outcome_unknown":
        desk.set_outcome(session, user, iid, rng.random() < 0.6, now)
    elif m.code == "account_required" and org.accounts:
        desk.link_account(session, user, iid, rng.choice(org.accounts), now)
    elif m.step and m.scenario is None:
        desk.set_step(session, user, iid, m.step, True, now)


def _work(
    factory: sessionmaker[Session],
    org: _Org,
    user: User,
    iid: int,
    rng: random.Random,
    now: datetime,
) -> None:
    """Fill in what the wrap-up still owes, a few rounds at most (each fix may reveal more)."""
    for _ in range(4):
        with transaction(factory) as session:
            interaction = desk.access_interaction(session, user, iid)
            missing = desk.plan_for(session, interaction, now).missing
            if not missing:
                return
            if progress_of(interaction).summary is None:
                desk.set_summary(session, user, iid, rng.choice(SUMMARIES), now)
            for m in missing:
                # An item the history does not know how to do stays missing, as on a real desk.
                with suppress(Refusal):
                    _fix(session, user, iid, m, org, rng, now)


def _ring(
    factory: sessionmaker[Session],
    org: _Org,
    line: Line,
    sid: str,
    at: datetime,
    status: CallStatus = CallStatus.RINGING,
) -> int:
    label = line.labels[0] if line.labels else None
    number = None if label else (line.numbers[0] if line.numbers else None)
    call = CallIn(
        org_id=org.org_id,
        at=at,
        status=status,
        external_id=sid,
        channel="history",
        label=label,
        dialed_number=number,
        caller_number="+12125550100",
    )
    with transaction(factory) as session:
        return receive_call(session, call, at).id


def _one_call(
    factory: sessionmaker[Session],
    org: _Org,
    sid: str,
    at: datetime,
    rng: random.Random,
    report: HistoryReport,
) -> None:
    line = rng.choice(org.lines)
    iid = _ring(factory, org, line, sid, at)
    report.calls += 1
    wait = rng.choice((3, 5, 8, 12, 15, 18, 25, 40)) + rng.random() * 5
    shift = _on_shift(org, at)
    if not shift or rng.random() < 0.07:
        _ring(factory, org, line, sid, at + timedelta(seconds=wait * 2), CallStatus.ENDED)
        report.missed += 1
        return
    agent = rng.choice(shift)
    taken = at + timedelta(seconds=wait)
    with transaction(factory) as session:
        desk.accept(session, agent, iid, taken)
    ended = taken + timedelta(seconds=rng.randint(60, 480))
    _ring(factory, org, line, sid, ended, CallStatus.ENDED)
    if rng.random() < 0.3:  # wrapped up too soon: refused, naming what is missing
        try:
            with transaction(factory) as session:
                wrap_up(session, agent, iid, ended + timedelta(seconds=5))
        except DocumentationMissing:
            report.refused += 1
    done = ended + timedelta(seconds=rng.randint(20, 240))
    _work(factory, org, agent, iid, rng, done)
    try:
        with transaction(factory) as session:
            wrap_up(session, agent, iid, done)
        report.wrapped_up += 1
    except DocumentationMissing:
        # Something the history cannot fill in: the call stays in wrap-up, as on a real desk.
        report.left_in_wrap_up += 1


def _day_calls(org: _Org, day: date, rng: random.Random, per_day: int) -> list[datetime]:
    count = max(1, int(per_day * (0.6 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2)))
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    start = datetime(day.year, day.month, day.day, tzinfo=org.zone)
    return sorted(start + timedelta(hours=h, seconds=rng.randint(0, 3599)) for h in hours)


def write_history(
    factory: sessionmaker[Session],
    org_id: str,
    days: int,
    now: datetime,
    *,
    per_day: int = 24,
    seed: int = 12,
    clock: Callable[[], float] = time.perf_counter,
) -> HistoryReport:
    """`days` days of calls up to yesterday (org's zone), through the desk's services. Calls
    already written (same org, day and number) are skipped, so running it again adds nothing."""
    started = clock()
    org = _org(factory, org_id, now)
    rng = random.Random(f"{seed}:{org_id}")
    report = HistoryReport(days=days)
    today = now.astimezone(org.zone).date()
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for n, at in enumerate(_day_calls(org, day, rng, per_day)):
            sid = f"history-{org_id}-{day.isoformat()}-{n}"
            if _exists(factory, org_id, sid):
                continue
            _one_call(factory, org, sid, at, rng, report)
    report.seconds = clock() - started
    return report


def _exists(factory: sessionmaker[Session], org_id: str, sid: str) -> bool:
    with factory() as session:
        found = session.scalar(
            select(Interaction.id).where(
                Interaction.org_id == org_id, Interaction.external_id == sid
            )
        )
    return found is not None
