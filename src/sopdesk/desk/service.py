"""The agent's work on a call: accept, steps, outcome, scenario intake, escalation, account.

Every function takes the acting user and checks the interaction belongs to the user's org
(`access_interaction`). A call has one owner from accept to wrap-up: only the owner documents
it (`owned_interaction`); anyone else is refused (409) with the owner's name, and a call nobody
has taken is refused until someone does. Hands change only here (accept, release, transfer,
takeover), each audited with who had it and who has it now. Rules come from the playbook
engine; nothing here re-implements them. The caller owns the transaction; live events go out
after it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sopdesk.crm import records as crm
from sopdesk.crm.models import Account
from sopdesk.desk.errors import DeskError, FieldProblem, not_found, stale
from sopdesk.desk.intake_check import check_intake_shape
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.progress import (
    CallProgress,
    ScenarioProgress,
    call_record,
    field_text,
    progress_of,
    save_progress,
)
from sopdesk.desk.views import interaction_event
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import Org, Role, User
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


# Who may hold a call: the roles that take calls (team members follow them, read-only).
CALL_ROLES = (Role.AGENT.value, Role.SUPERVISOR.value, Role.ADMIN.value)
TAKEOVER_ROLES = (Role.SUPERVISOR.value, Role.ADMIN.value)


def access_interaction(
    session: Session, user: User, interaction_id: int, *, lock: bool = False
) -> Interaction:
    """The interaction if it belongs to the user's org; 404 otherwise, whoever owns it.

    `lock` reads the row FOR UPDATE (PostgreSQL; SQLite holds one writer at a time anyway), so a
    change of hands cannot slip between the owner check and the write.
    """
    if lock:
        interaction = session.get(
            Interaction, interaction_id, with_for_update=True, populate_existing=True
        )
    else:
        interaction = session.get(Interaction, interaction_id)
    if interaction is None or interaction.org_id != user.org_id:
        raise not_found("interaction")
    return interaction


def holds(user: User, interaction: Interaction) -> bool:
    """Is `user` the call's owner (accepted it, or was handed it, and it is not closed)?"""
    return (
        interaction.agent_id is not None
        and interaction.agent_id == user.id
        and interaction.org_id == user.org_id
        and interaction.state in OPEN_STATES
    )


def owner_refusal(interaction: Interaction) -> DeskError:
    """Why someone who is not the owner may not change the call: who has it, or nobody yet."""
    if interaction.agent_id is None:
        return DeskError(
            409,
            "not_accepted",
            "nobody has taken this call yet: take it before documenting or wrapping it up",
        )
    return DeskError(409, "taken", f"{interaction.agent_name or 'another agent'} has this call")


def _closed(interaction: Interaction | None = None) -> DeskError:
    if interaction is None or interaction.state == State.CLOSED.value:
        return DeskError(409, "closed", "this call is already wrapped up")
    return DeskError(409, "closed", f"this call is over ({interaction.state}): nobody takes it now")


def _is_over(interaction: Interaction) -> bool:
    """Closed, or in another final state (a missed call): no longer anyone's to hold."""
    return interaction.state not in OPEN_STATES


def owned_interaction(session: Session, user: User, interaction_id: int) -> Interaction:
    """The interaction if `user` holds it: 404 for another org's, 409 when it is closed, when
    someone else has it (naming them) or when nobody has taken it yet."""
    interaction = access_interaction(session, user, interaction_id, lock=True)
    if _is_over(interaction):
        raise _closed(interaction)
    if not holds(user, interaction):
        raise owner_refusal(interaction)
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


def plan_for(
    session: Session, interaction: Interaction, now: datetime, playbook: Playbook | None = None
) -> WrapUpPlan:
    """What the wrap-up owes and writes; `playbook`, when the caller already read the call's."""
    playbook = playbook or playbook_of(session, interaction)
    return engine.wrap_up_plan(playbook, call_record(interaction), now)


def _save(
    session: Session,
    user: User,
    interaction: Interaction,
    progress: CallProgress,
    action: str,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    if _is_over(interaction):
        raise _closed(interaction)
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


def _hands_detail(
    before_id: int | None, before_name: str | None, interaction: Interaction, **extra: Any
) -> dict[str, Any]:
    """The audit detail of a change of hands: who had the call and who has it now."""
    return {
        "from": {"user_id": before_id, "name": before_name} if before_id is not None else None,
        "to": (
            {"user_id": interaction.agent_id, "name": interaction.agent_name}
            if interaction.agent_id is not None
            else None
        ),
        **extra,
    }


def _active_calls(session: Session, org_id: str, user_id: int, besides: int) -> list[Interaction]:
    """The open calls `user_id` holds, other than `besides`."""
    return list(
        session.scalars(
            select(Interaction)
            .where(
                Interaction.org_id == org_id,
                Interaction.agent_id == user_id,
                Interaction.state.in_(OPEN_STATES),
                Interaction.id != besides,
            )
            .order_by(Interaction.id)
        )
    )


def _caller(i: Interaction) -> str:
    return i.caller_name or i.caller_number or "unknown caller"


def _check_room_for(session: Session, holder: User, interaction: Interaction, *, me: bool) -> None:
    """Refuse (409) when `holder` already holds as many calls as the org allows.

    Locks the holder's row first (PostgreSQL): two accepts by one person queue up here, so the
    second counts the first.
    """
    session.execute(select(User.id).where(User.id == holder.id).with_for_update())
    allowed = session.scalar(select(Org.max_active_calls).where(Org.id == interaction.org_id))
    held = _active_calls(session, interaction.org_id, holder.id, interaction.id)
    if len(held) >= (allowed or 1):
        other = held[0]
        who = "you already have" if me else f"{holder.name} already has"
        raise DeskError(
            409,
            "busy",
            f"{who} call #{other.id} ({other.line_name}, {_caller(other)}) open: "
            "wrap it up, release or transfer it first",
        )


def _claim(
    session: Session,
    holder: User,
    interaction: Interaction,
    now: datetime,
    *,
    expected: int | Literal["anyone"] | None,
) -> bool:
    """Give the call to `holder` with one conditional UPDATE, or answer False when its owner is
    no longer `expected` (someone else took it first; the row is re-read). `expected="anyone"`
    accepts any owner but still only moves an open call."""
    query = update(Interaction).where(
        Interaction.id == interaction.id, Interaction.state.in_(OPEN_STATES)
    )
    if expected == "anyone":
        pass
    elif expected is None:
        query = query.where(or_(Interaction.agent_id.is_(None), Interaction.agent_id == holder.id))
    else:
        query = query.where(Interaction.agent_id == expected)
    moved = session.execute(
        query.values(
            agent_id=holder.id, agent_name=holder.name, queue_team=None, last_event_at=now
        ).execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(interaction)
        return False
    for name, value in (
        ("agent_id", holder.id),
        ("agent_name", holder.name),
        ("queue_team", None),
        ("last_event_at", now),
    ):
        set_committed_value(interaction, name, value)
    return True


def _lost_race(interaction: Interaction) -> DeskError:
    if _is_over(interaction):
        return _closed(interaction)
    return DeskError(
        409, "taken", f"{interaction.agent_name or 'another agent'} already has this call"
    )


def accept(session: Session, user: User, interaction_id: int, now: datetime) -> Interaction:
    """The agent takes the call. Race-safe: of two agents taking it at once, one conditional
    UPDATE moves it and the other is told who has it; one open call per person unless the org
    allows more."""
    interaction = access_interaction(session, user, interaction_id)
    if _is_over(interaction):
        raise _closed(interaction)
    if interaction.agent_id not in (None, user.id):
        raise _lost_race(interaction)
    before_id, before_name = interaction.agent_id, interaction.agent_name
    if interaction.agent_id != user.id:
        _check_room_for(session, user, interaction, me=True)
        queue_team = interaction.queue_team
        if not _claim(session, user, interaction, now, expected=None):
            raise _lost_race(interaction)
    else:
        queue_team = None
    if interaction.state == State.RINGING.value:
        interaction.state = State.ACTIVE.value
        interaction.answered_at = interaction.answered_at or now
    detail = _hands_detail(before_id, before_name, interaction)
    if queue_team:
        detail["queue_team"] = queue_team
    _save(session, user, interaction, progress_of(interaction), "interaction.accepted", now, detail)
    return interaction


def release(session: Session, user: User, interaction_id: int, now: datetime) -> Interaction:
    """The owner gives the call back to the queue (unassigned, documentation kept)."""
    interaction = owned_interaction(session, user, interaction_id)
    before_id, before_name = interaction.agent_id, interaction.agent_name
    interaction.agent_id = None
    interaction.agent_name = None
    interaction.queue_team = None
    detail = _hands_detail(before_id, before_name, interaction)
    _save(session, user, interaction, progress_of(interaction), "interaction.released", now, detail)
    return interaction


def transfer_to_user(
    session: Session, user: User, interaction_id: int, to_user: int, now: datetime
) -> Interaction:
    """The owner hands the call to another person of the org who takes calls."""
    interaction = owned_interaction(session, user, interaction_id)
    target = session.get(User, to_user)
    if target is None or target.org_id != user.org_id:
        raise DeskError(
            422, "invalid", "unknown person", [FieldProblem("to_user", f"no person {to_user}")]
        )
    if target.id == user.id:
        raise DeskError(
            422, "invalid", "you already have this call", [FieldProblem("to_user", "that is you")]
        )
    if target.role not in CALL_ROLES:
        raise DeskError(
            422,
            "invalid",
            f"{target.name} does not take calls",
            [FieldProblem("to_user", f"{target.name} is a {target.role} member, not an agent")],
        )
    _check_room_for(session, target, interaction, me=False)
    before_id, before_name = interaction.agent_id, interaction.agent_name
    if not _claim(session, target, interaction, now, expected=user.id):  # pragma: no cover
        raise owner_refusal(interaction)  # the row is locked by owned_interaction
    detail = _hands_detail(before_id, before_name, interaction)
    _save(
        session, user, interaction, progress_of(interaction), "interaction.transferred", now, detail
    )
    return interaction


def transfer_to_team(
    session: Session, user: User, interaction_id: int, team_id: str, now: datetime
) -> Interaction:
    """The owner puts the call back in the queue marked for one of the playbook's teams."""
    interaction = owned_interaction(session, user, interaction_id)
    playbook = playbook_of(session, interaction)
    team = playbook.team(team_id)
    if team is None:
        raise DeskError(
            422,
            "invalid",
            "unknown team",
            [FieldProblem("to_team", f"'{team_id}' is not a team of this playbook")],
        )
    before_id, before_name = interaction.agent_id, interaction.agent_name
    interaction.agent_id = None
    interaction.agent_name = None
    interaction.queue_team = team.id
    detail = _hands_detail(before_id, before_name, interaction, to_team=team.id)
    _save(
        session, user, interaction, progress_of(interaction), "interaction.transferred", now, detail
    )
    return interaction


def takeover(session: Session, user: User, interaction_id: int, now: datetime) -> Interaction:
    """A supervisor (or admin) takes the call from whoever has it, explicitly and audited."""
    interaction = access_interaction(session, user, interaction_id, lock=True)
    if user.role not in TAKEOVER_ROLES:
        raise DeskError(403, "forbidden", "only a supervisor can take over a call")
    if _is_over(interaction):
        raise _closed(interaction)
    if interaction.agent_id == user.id:
        return interaction  # already theirs: nothing changes hands
    before_id, before_name = interaction.agent_id, interaction.agent_name
    _check_room_for(session, user, interaction, me=True)
    if not _claim(session, user, interaction, now, expected="anyone"):
        raise _lost_race(interaction)
    if interaction.state == State.RINGING.value:
        interaction.state = State.ACTIVE.value
        interaction.answered_at = interaction.answered_at or now
    detail = _hands_detail(before_id, before_name, interaction)
    _save(
        session, user, interaction, progress_of(interaction), "interaction.taken_over", now, detail
    )
    return interaction


def set_step(
    session: Session, user: User, interaction_id: int, step_id: str, done: bool, now: datetime
) -> Interaction:
    interaction = owned_interaction(session, user, interaction_id)
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
    interaction = owned_interaction(session, user, interaction_id)
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
    interaction = owned_interaction(session, user, interaction_id)
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
    *,
    base_version: int | None = None,
) -> IntakeResult:
    """Save what the agent typed (even if invalid, so nothing is lost) and say what is wrong.

    `base_version` is the scenario's `version` the form was filled over (None: write whatever
    is stored); a stale one is refused like a stale summary (`set_summary`), naming each field
    whose stored text would have been overwritten."""
    interaction = owned_interaction(session, user, interaction_id)
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
    check_intake_shape(scenario, values)
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
    before = progress_of(interaction)
    progress = before.with_scenario(scenario_id, values, completed_steps)
    if progress is before:
        return result
    _check_scenario_version(before.scenarios.get(scenario_id), values, scenario_id, base_version)
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


def _check_scenario_version(
    stored: ScenarioProgress | None,
    values: dict[str, FieldValue | None],
    scenario_id: str,
    base_version: int | None,
) -> None:
    """Refuse (412) a form filled over an older version than the one stored."""
    version = stored.version if stored else 0
    if base_version is None or base_version == version:
        return
    kept = stored.values if stored else {}
    changed = [
        (field, field_text(kept.get(field)))
        for field in sorted({*kept, *values})
        if field_text(kept.get(field)) != field_text(values.get(field))
    ]
    # Only the ticked steps differ: still stale, shown as the steps that were saved.
    if not changed:
        changed = [("steps", ", ".join(stored.steps) if stored else "")]
    raise stale(f"scenario '{scenario_id}'", base_version, version, changed)


class Articles(Protocol):
    """The org's knowledge base, as far as the desk needs it: which slugs name an article.

    The caller passes the knowledge base's (`kb.service.Catalog`): the desk may not import kb,
    and an "FAQ tried" that names no article must not satisfy an FAQ-first policy."""

    def known(self, org_id: str, slugs: Sequence[str]) -> set[str]: ...


def _check_articles(articles: Articles, org_id: str, slugs: Sequence[str], field: str) -> None:
    """Refuse (422) the slugs that name no article of the org: `field` for one slug (the
    call screen's form), `field[i]` for the i-th of a list (the API's `faq_tried`)."""
    known = articles.known(org_id, slugs) if slugs else set()
    problems = [
        FieldProblem(
            field if field == "article" else f"{field}[{i}]",
            f"'{slug}' is not an article of this org's knowledge base",
        )
        for i, slug in enumerate(slugs)
        if slug not in known
    ]
    if problems:
        raise DeskError(422, "invalid", "an FAQ tried must name an article", problems)


def record_escalation(
    session: Session,
    user: User,
    interaction_id: int,
    policy_id: str,
    team_id: str,
    faq_tried: list[str],
    customer_unsatisfied: bool,
    articles: Articles,
    now: datetime,
) -> Interaction:
    interaction = owned_interaction(session, user, interaction_id)
    _check_articles(articles, interaction.org_id, faq_tried, "faq_tried")
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
    if "faq_tried" in policy.preconditions and not faq_tried:
        # Refused now, not only at wrap-up: the agent must not promise a hand-off yet.
        raise DeskError(
            409,
            "precondition",
            f"{policy.name}: try an FAQ article with the caller first",
            [FieldProblem("faq_tried", "the policy escalates only after an FAQ was tried")],
        )
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
    session: Session,
    user: User,
    interaction_id: int,
    article: str,
    articles: Articles,
    now: datetime,
) -> Interaction:
    """One click on the call screen: this FAQ article (a slug of the org's) was tried."""
    interaction = owned_interaction(session, user, interaction_id)
    _check_articles(articles, interaction.org_id, [article], "article")
    progress = progress_of(interaction).with_faq_tried(article)
    _save(session, user, interaction, progress, "faq.tried", now, {"article": article})
    return interaction


def link_account(
    session: Session, user: User, interaction_id: int, account_id: int, now: datetime
) -> Interaction:
    interaction = owned_interaction(session, user, interaction_id)
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
    session: Session,
    user: User,
    interaction_id: int,
    summary: str,
    now: datetime,
    *,
    base_version: int | None = None,
) -> Interaction:
    """The call's summary as typed. `base_version` is the `summary_version` the text was
    written over (None: write whatever is stored). When someone saved another text since (a
    second tab, another client), nothing is overwritten: refused 412 `stale`, naming the field
    with the text stored now and its version. The same text again is never stale."""
    interaction = owned_interaction(session, user, interaction_id)  # locked: checked, then set
    before = progress_of(interaction)
    after = before.with_summary(summary)
    if after is before:
        return interaction
    if base_version is not None and base_version != before.summary_version:
        current = [("summary", before.summary or "")]
        raise stale("summary", base_version, before.summary_version, current)
    _save(session, user, interaction, after, "summary.written", now, {})
    return interaction


def transfer_targets(session: Session, user: User) -> list[User]:
    """The people of the user's org a call can be handed to (they take calls), by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.org_id == user.org_id, User.role.in_(CALL_ROLES), User.id != user.id)
            .order_by(User.name, User.id)
        )
    )


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
    its org, while it is not closed and nobody else has it (a call nobody has taken yet is
    theirs to take first); team members only read it."""
    return (
        user.role in CALL_ROLES
        and interaction.org_id == user.org_id
        and interaction.state in OPEN_STATES
        and interaction.agent_id in (None, user.id)
    )
