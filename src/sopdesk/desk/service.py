"""The agent's work on a call: accept, steps, outcome, scenario intake, escalation, account.

Every function takes the acting user and checks the interaction belongs to the user's org
(`access_interaction`). Rules come from the playbook engine; nothing here re-implements them.
The caller owns the transaction; live events go out after it commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.crm import records as crm
from sopdesk.crm.models import Account
from sopdesk.desk.errors import DeskError, FieldProblem, not_found
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.progress import CallProgress, call_record, progress_of, save_progress
from sopdesk.desk.views import interaction_event
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_playbook_version
from sopdesk.playbooks import engine
from sopdesk.playbooks.engine import (
    EscalationRecord,
    FieldValue,
    IntakeResult,
    LineMatch,
    MatchedBy,
    Screen,
    WrapUpPlan,
    build_screen,
    resolved_line,
    scenarios_on_line,
)
from sopdesk.playbooks.language.schema import Line, Playbook

OPEN_STATES = (State.RINGING.value, State.ACTIVE.value, State.WRAP_UP.value)


def access_interaction(session: Session, user: User, interaction_id: int) -> Interaction:
    """The interaction if it belongs to the user's org; 404 otherwise, whoever owns it."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None or interaction.org_id != user.org_id:
        raise not_found("interaction")
    return interaction


def playbook_of(session: Session, interaction: Interaction) -> Playbook:
    """The exact playbook version the interaction rang with."""
    playbook = get_playbook_version(session, interaction.org_id, interaction.playbook_version)
    if playbook is None:  # pragma: no cover - versions are never deleted
        # A broken database, not a refusal: nothing the person can do about it.
        raise LookupError(f"playbook version {interaction.playbook_version} of this call is gone")
    return playbook


def line_of(playbook: Playbook, interaction: Interaction) -> Line:
    return resolved_line(playbook, interaction.line_id)


def screen_for(session: Session, interaction: Interaction, agent_name: str) -> Screen:
    playbook = playbook_of(session, interaction)
    matched_by: MatchedBy = interaction.matched_by  # type: ignore[assignment]
    match = LineMatch(line_of(playbook, interaction), matched_by, tuple(interaction.warnings))
    return build_screen(playbook, match, agent_name, interaction.caller_name)


def plan_for(session: Session, interaction: Interaction, now: datetime) -> WrapUpPlan:
    return engine.wrap_up_plan(playbook_of(session, interaction), call_record(interaction), now)


def _save(
    session: Session,
    user: User,
    interaction: Interaction,
    progress: CallProgress,
    action: str,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    if interaction.state == State.CLOSED.value:
        raise DeskError(409, "closed", "this call is already wrapped up")
    save_progress(interaction, progress)
    interaction.last_event_at = now
    crm.audit(
        session,
        org_id=interaction.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type="interaction",
        object_id=interaction.id,
        playbook_version=interaction.playbook_version,
        detail=detail,
    )
    send_on_commit(session, interaction_event(interaction, "interaction.updated"))


def accept(session: Session, user: User, interaction_id: int, now: datetime) -> Interaction:
    """The agent takes the call; another agent's call is refused."""
    interaction = access_interaction(session, user, interaction_id)
    if interaction.agent_id not in (None, user.id):
        raise DeskError(409, "taken", f"{interaction.agent_name} already has this call")
    if interaction.state == State.CLOSED.value:
        raise DeskError(409, "closed", "this call is already wrapped up")
    interaction.agent_id = user.id
    interaction.agent_name = user.name
    if interaction.state == State.RINGING.value:
        interaction.state = State.ACTIVE.value
        interaction.answered_at = interaction.answered_at or now
    _save(session, user, interaction, progress_of(interaction), "interaction.accepted", now, {})
    return interaction


def set_step(
    session: Session, user: User, interaction_id: int, step_id: str, done: bool, now: datetime
) -> Interaction:
    interaction = access_interaction(session, user, interaction_id)
    line = line_of(playbook_of(session, interaction), interaction)
    if step_id not in {s.id for s in line.steps}:
        raise DeskError(
            422, "invalid", "unknown step", [FieldProblem("step", f"no step '{step_id}'")]
        )
    progress = progress_of(interaction).with_step(step_id, done)
    _save(
        session,
        user,
        interaction,
        progress,
        "step.done" if done else "step.undone",
        now,
        {"step": step_id},
    )
    return interaction


def choose(
    session: Session, user: User, interaction_id: int, step_id: str, label: str, now: datetime
) -> Interaction:
    """Answer a branching step; an answer that records the outcome records it."""
    interaction = access_interaction(session, user, interaction_id)
    line = line_of(playbook_of(session, interaction), interaction)
    step = next((s for s in line.steps if s.id == step_id), None)
    choice = next((c for c in step.choices if c.label == label), None) if step else None
    if step is None or choice is None:
        raise DeskError(
            422,
            "invalid",
            "unknown choice",
            [FieldProblem("choice", f"'{label}' is not an answer of step '{step_id}'")],
        )
    progress = progress_of(interaction).with_choice(
        step_id, label, choice.converted, choice.scenario
    )
    _save(
        session,
        user,
        interaction,
        progress,
        "step.answered",
        now,
        {"step": step_id, "answer": label},
    )
    return interaction


def set_outcome(
    session: Session, user: User, interaction_id: int, converted: bool, now: datetime
) -> Interaction:
    interaction = access_interaction(session, user, interaction_id)
    progress = progress_of(interaction).with_outcome(converted)
    _save(session, user, interaction, progress, "outcome.recorded", now, {"converted": converted})
    return interaction


def record_scenario(
    session: Session,
    user: User,
    interaction_id: int,
    scenario_id: str,
    values: dict[str, FieldValue | None],
    completed_steps: list[str],
    now: datetime,
) -> IntakeResult:
    """Save what the agent typed (even if invalid, so nothing is lost) and say what is wrong."""
    interaction = access_interaction(session, user, interaction_id)
    playbook = playbook_of(session, interaction)
    scenario = next(
        (s for s in scenarios_on_line(playbook, interaction.line_id) if s.id == scenario_id), None
    )
    if scenario is None:
        raise DeskError(
            422,
            "invalid",
            "unknown scenario",
            [FieldProblem("scenario", f"'{scenario_id}' cannot arise on this line")],
        )
    known = {st.id for st in scenario.steps}
    bad = [s for s in completed_steps if s not in known]
    if bad:
        raise DeskError(
            422,
            "invalid",
            "unknown step",
            [FieldProblem("steps", f"no step '{b}' in {scenario.name}") for b in bad],
        )
    result = engine.validate_scenario(scenario, values, playbook.org.default_region)
    progress = progress_of(interaction).with_scenario(scenario_id, values, completed_steps)
    _save(
        session,
        user,
        interaction,
        progress,
        "scenario.recorded",
        now,
        {"scenario": scenario_id, "errors": result.errors},
    )
    return result


def record_escalation(
    session: Session,
    user: User,
    interaction_id: int,
    policy_id: str,
    team_id: str,
    faq_tried: list[str],
    customer_unsatisfied: bool,
    now: datetime,
) -> Interaction:
    interaction = access_interaction(session, user, interaction_id)
    playbook = playbook_of(session, interaction)
    policy = playbook.policy(policy_id)
    if policy is None or team_id not in policy.teams:
        raise DeskError(
            422,
            "invalid",
            "unknown escalation",
            [FieldProblem("team", f"'{team_id}' is not a team of policy '{policy_id}'")],
        )
    progress = progress_of(interaction)
    # FAQ articles tried earlier on the call count for this escalation too.
    faq_tried = sorted({*faq_tried, *progress.faq_tried})
    entry = EscalationRecord(
        policy=policy_id,
        team=team_id,
        faq_tried=faq_tried,
        customer_unsatisfied=customer_unsatisfied,
    )
    _save(
        session,
        user,
        interaction,
        progress.with_escalation(entry),
        "escalation.recorded",
        now,
        entry.model_dump(),
    )
    return interaction


def record_faq_tried(
    session: Session, user: User, interaction_id: int, article: str, now: datetime
) -> Interaction:
    """One click on the call screen: this FAQ article was tried with the caller."""
    interaction = access_interaction(session, user, interaction_id)
    progress = progress_of(interaction).with_faq_tried(article)
    _save(session, user, interaction, progress, "faq.tried", now, {"article": article})
    return interaction


def link_account(
    session: Session, user: User, interaction_id: int, account_id: int, now: datetime
) -> Interaction:
    interaction = access_interaction(session, user, interaction_id)
    account = session.get(Account, account_id)
    if account is None or account.org_id != user.org_id:
        raise DeskError(
            422,
            "invalid",
            "unknown account",
            [FieldProblem("account_id", f"no account {account_id}")],
        )
    interaction.account_id = account.id
    _save(
        session,
        user,
        interaction,
        progress_of(interaction),
        "account.linked",
        now,
        {"account_id": account_id},
    )
    return interaction


def set_summary(
    session: Session, user: User, interaction_id: int, summary: str, now: datetime
) -> Interaction:
    interaction = access_interaction(session, user, interaction_id)
    progress = progress_of(interaction).with_summary(summary)
    _save(session, user, interaction, progress, "summary.written", now, {})
    return interaction


def queue(session: Session, org_id: str, limit: int = 200) -> list[Interaction]:
    """Open calls of the org: most urgent first, then longest waiting."""
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.org_id == org_id, Interaction.state.in_(OPEN_STATES))
            .order_by(Interaction.urgency_rank.desc(), Interaction.rang_at.asc(), Interaction.id)
            .limit(limit)
        )
    )


def recent(session: Session, org_id: str, limit: int = 100) -> list[Interaction]:
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.org_id == org_id)
            .order_by(Interaction.rang_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


def interactions(
    session: Session, org_id: str, *, state: State | None = None, limit: int = 100
) -> list[Interaction]:
    """The org's interactions, newest first; only those in `state` when given (filtered in the
    query, so a call in that state is found however many newer calls there are)."""
    query = select(Interaction).where(Interaction.org_id == org_id)
    if state is not None:
        query = query.where(Interaction.state == state.value)
    order = (Interaction.rang_at.desc(), Interaction.id.desc())
    return list(session.scalars(query.order_by(*order).limit(limit)))


def can_act(user: User, interaction: Interaction) -> bool:
    """May the user work this call (steps, intake, wrap-up)? Agents, supervisors and admins of
    its org, while it is not closed; team members only read it."""
    from sopdesk.orgs.models import Role  # kept local: this addition touches only the end

    acting = (Role.AGENT.value, Role.SUPERVISOR.value, Role.ADMIN.value)
    return (
        user.role in acting
        and interaction.org_id == user.org_id
        and interaction.state != State.CLOSED.value
    )
