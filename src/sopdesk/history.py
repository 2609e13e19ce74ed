"""A history to look at: days of calls written through the desk's own services, as agents
would work them (ring, take or miss, tick the steps, open a scenario and fill its form with the
values the org's test cases typed, a wrap-up refused now and then, wrap up), the hand-off tasks
those calls made worked by the teams (most on time, some late), and, for teams reached by
email, tickets received, answered (some after their SLA), swept and resolved
(`sopdesk.history_tickets`).

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

from sopdesk.crm import tasks as crm_tasks
from sopdesk.crm.models import Account, Task
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
from sopdesk.playbooks.cases import ScenarioExamples
from sopdesk.playbooks.engine import FieldValue, Missing, scenarios_on_line
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
# Share of taken calls on which a scenario arises (when the line has one with examples), of a
# scenario's optional steps the agent ticks, and of hand-off tasks worked after they were due.
SCENARIO_SHARE = 0.3
OPTIONAL_STEP_SHARE = 0.7
LATE_TASK_SHARE = 0.2
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
    scenarios: int = 0
    tasks_done: int = 0
    tasks_late: int = 0
    tickets: int = 0
    tickets_breached: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.calls / self.seconds if self.seconds else 0.0
        return (
            f"{self.calls} calls over {self.days} days: {self.wrapped_up} wrapped up "
            f"({self.refused} refused first), {self.missed} missed, "
            f"{self.left_in_wrap_up} left in wrap-up, {self.scenarios} with a scenario; "
            f"{self.tasks_done} hand-off tasks done ({self.tasks_late} late); "
            f"{self.tickets} tickets ({self.tickets_breached} SLA breaches); "
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
    team_members: dict[str, User]
    examples: ScenarioExamples


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


def _team_members(
    session: Session, org_id: str, playbook: Playbook, now: datetime
) -> dict[str, User]:
    """One member per team of the playbook (an existing one, else the history's own)."""
    members: dict[str, User] = {}
    for team in playbook.teams:
        found = session.scalar(
            select(User)
            .where(User.org_id == org_id, User.role == Role.TEAM.value, User.team == team.id)
            .order_by(User.id)
        )
        email = f"{team.id.replace('_', '-')}@{org_id}.example"
        found = found or session.scalar(select(User).where(User.email == email))
        members[team.id] = found or create_user(
            session,
            org_id=org_id,
            email=email,
            name=f"{team.name} desk",
            role=Role.TEAM,
            password=PASSWORD,
            now=now,
            team=team.id,
        )
    return members


def _org(
    factory: sessionmaker[Session], org_id: str, now: datetime, examples: ScenarioExamples
) -> _Org:
    with transaction(factory) as session:
        current = get_current_playbook(session, org_id)
        if current is None:
            raise ValueError(f"org {org_id!r} has no published playbook")
        agents = _agents(session, org_id, now)
        accounts = list(session.scalars(select(Account.id).where(Account.org_id == org_id)))
        lines = [line for line in current.playbook.lines if not line.fallback]
        lines = lines or list(current.playbook.lines)  # an org with only a fallback line
        zone = org_zone(session, org_id)
        members = _team_members(session, org_id, current.playbook, now)
    return _Org(org_id, zone, current.playbook, lines, agents, accounts, members, examples)


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


def _scenario(
    factory: sessionmaker[Session],
    org: _Org,
    user: User,
    iid: int,
    line: Line,
    rng: random.Random,
    at: datetime,
) -> bool:
    """Now and then a scenario arises: its form filled with one of the examples, its required
    steps ticked and most optional ones."""
    options = [s for s in scenarios_on_line(org.playbook, line.id) if org.examples.get(s.id)]
    if not options or rng.random() >= SCENARIO_SHARE:
        return False
    scenario = rng.choice(options)
    values: dict[str, FieldValue | None] = dict(rng.choice(org.examples[scenario.id]))
    steps = [st.id for st in scenario.steps if st.required or rng.random() < OPTIONAL_STEP_SHARE]
    with transaction(factory) as session:
        desk.record_scenario(session, user, iid, scenario.id, values, steps, at)
    return True


def _work_tasks(
    factory: sessionmaker[Session],
    org: _Org,
    iid: int,
    rng: random.Random,
    report: HistoryReport,
    until: datetime,
) -> None:
    """The team of each hand-off task the wrap-up made closes it, most before it was due."""
    with factory() as session:
        made = list(
            session.execute(
                select(Task.id, Task.team, Task.due_at, Task.created_at).where(
                    Task.org_id == org.org_id, Task.interaction_id == iid, Task.status == "open"
                )
            )
        )
    for task_id, team, due_at, created_at in made:
        member = org.team_members.get(team or "")
        if member is None:
            continue
        late = rng.random() < LATE_TASK_SHARE
        span = max((due_at - created_at).total_seconds(), 60.0)
        done = (
            due_at + timedelta(seconds=span * rng.uniform(0.1, 1.0))
            if late
            else (created_at + timedelta(seconds=span * rng.uniform(0.05, 0.95)))
        )
        if done >= until:
            continue  # not worked yet: still open today, as on a real desk
        with transaction(factory) as session:
            crm_tasks.close(session, member, task_id, "Reached the caller as promised", done)
        report.tasks_done += 1
        report.tasks_late += late


def _one_call(
    factory: sessionmaker[Session],
    org: _Org,
    sid: str,
    at: datetime,
    rng: random.Random,
    report: HistoryReport,
    until: datetime,
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
    if _scenario(factory, org, agent, iid, line, rng, taken + timedelta(seconds=30)):
        report.scenarios += 1
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
        _work_tasks(factory, org, iid, rng, report, until)
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
    examples: ScenarioExamples | None = None,
    tickets_per_day: int = 4,
    clock: Callable[[], float] = time.perf_counter,
) -> HistoryReport:
    """`days` days of calls up to yesterday (org's zone), through the desk's services, with
    scenarios filled from `examples` (scenario id -> value sets: `scenario_examples` of the
    org's test cases) and `tickets_per_day` emailed tickets for each team reached by email.
    Calls and tickets already written are skipped, so running it again adds nothing."""
    from sopdesk.history_tickets import TicketPlan, write_tickets

    started = clock()
    org = _org(factory, org_id, now, examples or {})
    report = HistoryReport(days=days)
    today = now.astimezone(org.zone).date()
    days_back = [today - timedelta(days=back) for back in range(days, 0, -1)]
    for day in days_back:
        # A random stream per day and per call: a call skipped as already written does not
        # shift what the next ones draw, so a second run adds nothing.
        for n, at in enumerate(
            _day_calls(org, day, random.Random(f"{seed}:{org_id}:{day}"), per_day)
        ):
            sid = f"history-{org_id}-{day.isoformat()}-{n}"
            if _exists(factory, org_id, sid):
                continue
            _one_call(factory, org, sid, at, random.Random(f"{seed}:{sid}"), report, now)
    plan = TicketPlan(org.org_id, org.playbook, org.team_members, org.zone, tickets_per_day)
    write_tickets(factory, plan, days_back, now, f"{seed}:{org_id}", report)
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
