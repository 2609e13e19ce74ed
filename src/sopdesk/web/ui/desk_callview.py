"""What the call screen shows, gathered from the desk services and the engine's pure answers.

No rules here: the engine says which steps lie on the path, which fields are invalid and what
the wrap-up owes; this module only arranges those answers for the templates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sopdesk.crm import service as crm
from sopdesk.crm.models import Account
from sopdesk.desk import service as desk
from sopdesk.desk.callers import Caller, caller_of
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.progress import (
    CallProgress,
    ScenarioProgress,
    call_record,
    field_text,
    progress_of,
)
from sopdesk.kb import service as kb
from sopdesk.orgs.models import User
from sopdesk.playbooks import engine
from sopdesk.playbooks.engine import (
    ScenarioRecord,
    ScenarioView,
    Screen,
    StepState,
    WrapUpPlan,
)
from sopdesk.playbooks.language.schema import IntakeField, Playbook, Scenario, Step
from sopdesk.web.ui.desk_ownerview import OwnerPanel, owner_panel

# What "FAQ tried" recorded, before it had to name an article, when none was named: calls of
# that time still hold it, and it is not shown as an article.
GENERIC_FAQ = "faq"

# A step's row is the engine's answer as it stands; the page adds nothing to it.
StepRow = StepState


@dataclass(frozen=True)
class FieldRow:
    field: IntakeField
    value: str
    error: str | None  # the engine's message, shown once something was typed
    required: bool
    identity: bool


@dataclass(frozen=True)
class ScenarioStepRow:
    step: Step
    done: bool
    auto: bool  # done because what it collects is validly filled in


@dataclass(frozen=True)
class ScenarioPanel:
    view: ScenarioView
    opened: bool
    fields: list[FieldRow]
    steps: list[ScenarioStepRow]
    problems: int  # invalid fields and required steps not done
    version: int = 0  # the form's version: call_save.js writes over it (If-Match)

    @property
    def labels(self) -> dict[str, str]:
        """Field id -> the playbook's label: how the page names a field anywhere it says one."""
        return {row.field.id: row.field.label for row in self.fields}


@dataclass(frozen=True)
class TeamButton:
    id: str
    name: str
    email: str | None
    asked: bool  # the client was asked to email this team


@dataclass(frozen=True)
class PolicyPanel:
    id: str
    name: str
    trigger: str
    preconditions: list[str]
    teams: list[TeamButton]
    tell_caller: str
    forbidden: list[str]
    channel: str
    sla: str | None


@dataclass
class CallPage:
    interaction: Interaction
    screen: Screen
    plan: WrapUpPlan
    steps: list[StepRow]
    scenarios: list[ScenarioPanel]
    policies: list[PolicyPanel]
    faq_tried: list[str]  # as recorded: article slugs (older calls: words, or GENERIC_FAQ)
    faq_tried_names: list[str]  # the same as people read them (titles), the generic click left out
    # The org's articles (slug, title) the policy panel's "FAQ tried" offers: it must name one.
    faq_choices: list[tuple[str, str]]
    summary: str
    account: Account | None
    suggestions: list[Account]
    top_rank: int
    teams: dict[str, str]
    lines: dict[str, str]
    token: str
    can_act: bool
    records: crm.InteractionRecords | None = None
    # The caller, for the account box's "create" button: only while no account is linked.
    caller: Caller | None = None
    account_required: bool = False
    # Who has the call, for this viewer: the owner's controls or the read-only banner.
    owner: OwnerPanel | None = None
    # The summary's version: call_save.js writes over it (If-Match), so a stale write is seen.
    summary_version: int = 0

    @property
    def closed(self) -> bool:
        return self.interaction.state == State.CLOSED.value


def version_token(interaction: Interaction) -> str:
    """Changes whenever the interaction does: the live refresh skips work when it has not."""
    raw = f"{interaction.last_event_at.isoformat()}|{interaction.state}|{interaction.account_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _step_rows(playbook: Playbook, interaction: Interaction) -> list[StepRow]:
    line = desk.line_of(playbook, interaction)
    closed = interaction.state == State.CLOSED.value
    return engine.step_states(line, call_record(interaction), closed)


def _scenario_panel(
    playbook: Playbook, view: ScenarioView, entry: ScenarioProgress | None
) -> ScenarioPanel:
    scenario: Scenario | None = playbook.scenario(view.id)
    assert scenario is not None  # the view was built from this playbook's scenarios
    raw = dict(entry.values) if entry else {}
    record = ScenarioRecord(id=view.id, values=raw, completed_steps=entry.steps if entry else [])
    state = engine.scenario_state(scenario, record, playbook.org.default_region)
    fields = [
        FieldRow(
            field=f,
            value=field_text(raw.get(f.id)),
            error=state.errors.get(f.id) if field_text(raw.get(f.id)) else None,
            required=f.id in state.required_fields,
            identity=f.id in view.identity_check,
        )
        for f in scenario.fields
    ]
    steps = [
        ScenarioStepRow(s, s.id in state.done_steps, s.id in state.auto_done_steps)
        for s in scenario.steps
    ]
    problems = state.problems if entry else 0
    version = entry.version if entry else 0
    return ScenarioPanel(view, entry is not None, fields, steps, problems, version)


def _policy_panels(playbook: Playbook, screen: Screen, progress: CallProgress) -> list[PolicyPanel]:
    asked = {(e.policy, e.team) for e in progress.escalations}
    panels = []
    for view in screen.policies:
        policy = playbook.policy(view.id)
        if policy is None:  # pragma: no cover - the screen lists only the playbook's policies
            continue
        teams = [
            TeamButton(t.id, t.name, t.email, (policy.id, t.id) in asked)
            for t in (playbook.team(tid) for tid in policy.teams)
            if t is not None
        ]
        panels.append(
            PolicyPanel(
                id=view.id,
                name=view.name,
                trigger=view.trigger,
                preconditions=view.preconditions,
                teams=teams,
                tell_caller=view.tell_caller,
                forbidden=view.forbidden_channels,
                channel=view.channel,
                sla=view.sla,
            )
        )
    return panels


def faq_tried_names(session: Session, org_id: str, tried: list[str]) -> list[str]:
    """The FAQs tried, named as people read them: the knowledge base's title for an article's
    slug, the agent's own words otherwise; the bare "FAQ tried" click names nothing."""
    titles = kb.article_titles(session, org_id, tried)
    return [titles.get(name, name) for name in tried if name != GENERIC_FAQ]


def build_call_page(
    session: Session, user: User, interaction: Interaction, now: datetime
) -> CallPage:
    """Everything the call screen and its live regions render, for `user` looking at it now."""
    playbook = desk.playbook_of(session, interaction)
    screen = desk.screen_for(session, interaction, interaction.agent_name or user.name)
    progress = progress_of(interaction)
    scenarios = progress.scenarios
    account = (
        crm.get_account(session, interaction.org_id, interaction.account_id)
        if interaction.account_id
        else None
    )
    closed = interaction.state == State.CLOSED.value
    plan = desk.plan_for(session, interaction, now)
    can_act = desk.can_act(user, interaction)
    page_policies = _policy_panels(playbook, screen, progress)
    return CallPage(
        interaction=interaction,
        screen=screen,
        plan=plan,
        steps=_step_rows(playbook, interaction),
        scenarios=[_scenario_panel(playbook, v, scenarios.get(v.id)) for v in screen.scenarios],
        policies=page_policies,
        faq_tried=list(progress.faq_tried),
        faq_tried_names=faq_tried_names(session, interaction.org_id, progress.faq_tried),
        faq_choices=kb.article_choices(session, interaction.org_id) if page_policies else [],
        summary=progress.summary or "",
        account=account,
        suggestions=(
            []
            if account
            else crm.accounts_for_number(session, interaction.org_id, interaction.caller_number)
        ),
        top_rank=len(playbook.urgencies) - 1,
        teams={t.id: t.name for t in playbook.teams},
        lines={line.id: line.name for line in playbook.lines},
        token=version_token(interaction),
        can_act=can_act,
        records=crm.records_of_interaction(session, interaction.org_id, interaction.id)
        if closed
        else None,
        caller=caller_of(session, interaction) if can_act and account is None else None,
        account_required=any(m.code == "account_required" for m in plan.missing),
        owner=owner_panel(session, user, interaction, {t.id: t.name for t in playbook.teams}),
        summary_version=progress.summary_version,
    )
