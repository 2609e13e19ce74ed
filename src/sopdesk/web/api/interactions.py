"""Interactions: list, the call screen with what is owed, and every action of the agent's work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StrictBool
from sqlalchemy.orm import Session

from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.progress import CallProgress, progress_of
from sopdesk.desk.status import CallStatusPublic, call_status
from sopdesk.desk.views import InteractionPublic
from sopdesk.desk.wrapup import WrittenRecord, wrap_up
from sopdesk.kb.service import Catalog
from sopdesk.playbooks.engine import FieldValue, Missing, OwedRecord, Screen
from sopdesk.web.deps import CurrentAgent, CurrentUser, Now, SessionDep
from sopdesk.web.errors import ErrorResponse, documented
from sopdesk.web.ids import IdField, IdPath
from sopdesk.web.versions import IfMatch, etag

router = APIRouter(prefix="/interactions", tags=["interactions"])

# Every change to a call is refused while the call is not yours to change.
CONFLICT = documented(
    (
        409,
        "The call is not yours to change now: another agent has it (`taken`), it is not "
        "accepted yet, it is over (`closed`, `missed`), you already hold your calls (`busy`), "
        "or (an escalation) its policy wants an FAQ tried first",
    )
)


class InteractionDetail(BaseModel):
    interaction: InteractionPublic
    screen: Screen
    progress: CallProgress
    status: CallStatusPublic = Field(description="each step's and opened scenario's status")
    owed: list[OwedRecord] = Field(description="records the wrap-up will write")
    missing: list[Missing] = Field(description="what must be documented before wrap-up")
    can_close: bool


@router.get("", response_model=list[InteractionPublic])
def list_interactions(
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[State | None, Query(description="only calls in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InteractionPublic]:
    """Recent interactions of your org, newest first, with line, urgency, state and version."""
    rows = desk.interactions(session, user.org_id, state=state, limit=limit)
    return [InteractionPublic.model_validate(r) for r in rows]


def detail(session: Session, interaction: Interaction, now: datetime) -> InteractionDetail:
    plan = desk.plan_for(session, interaction, now)
    return InteractionDetail(
        interaction=InteractionPublic.model_validate(interaction),
        screen=desk.screen_for(session, interaction, interaction.agent_name or "Agent"),
        progress=progress_of(interaction),
        status=call_status(session, interaction),
        owed=plan.records,
        missing=plan.missing,
        can_close=plan.can_close,
    )


@router.get("/{interaction_id}", response_model=InteractionDetail)
def get_interaction(
    interaction_id: IdPath, session: SessionDep, user: CurrentUser, now: Now
) -> InteractionDetail:
    """The call screen, the progress so far, and what the wrap-up owes or still misses."""
    return detail(session, desk.access_interaction(session, user, interaction_id), now)


@router.post("/{interaction_id}/accept", response_model=InteractionDetail, responses=CONFLICT)
def accept(
    interaction_id: IdPath, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Take the call (409 when another agent has it)."""
    return detail(session, desk.accept(session, user, interaction_id, now), now)


class StepDone(BaseModel):
    done: StrictBool = True


@router.put(
    "/{interaction_id}/steps/{step_id}", response_model=InteractionDetail, responses=CONFLICT
)
def set_step(
    interaction_id: IdPath,
    step_id: str,
    body: StepDone,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
) -> InteractionDetail:
    """Tick or untick a handling step."""
    return detail(
        session, desk.set_step(session, user, interaction_id, step_id, body.done, now), now
    )


class Answer(BaseModel):
    step: str
    answer: str = Field(description="the label of one of the step's choices")


@router.post("/{interaction_id}/answers", response_model=InteractionDetail, responses=CONFLICT)
def answer(
    interaction_id: IdPath, body: Answer, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Answer a branching step (it may record the outcome or open a scenario)."""
    return detail(
        session, desk.choose(session, user, interaction_id, body.step, body.answer, now), now
    )


class Outcome(BaseModel):
    converted: StrictBool = Field(
        description="the caller converted to a paid account during the call"
    )


@router.put("/{interaction_id}/outcome", response_model=InteractionDetail, responses=CONFLICT)
def outcome(
    interaction_id: IdPath, body: Outcome, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    return detail(
        session, desk.set_outcome(session, user, interaction_id, body.converted, now), now
    )


STALE: dict[int | str, dict[str, Any]] = {
    412: {
        "model": ErrorResponse,
        "description": "If-Match names an older version: someone saved another text since. "
        "Nothing was overwritten; each field gives its `current` text and `current_version`",
    }
}


class ScenarioInput(BaseModel):
    values: dict[str, FieldValue | None] = Field(default_factory=dict)
    completed_steps: list[str] = Field(default_factory=list)


class ScenarioResult(BaseModel):
    ok: bool
    values: dict[str, FieldValue]
    errors: dict[str, str]
    version: int = Field(description="the form's version now, also the answer's ETag")


@router.put(
    "/{interaction_id}/scenarios/{scenario_id}",
    response_model=ScenarioResult,
    responses={**CONFLICT, **STALE},
)
def record_scenario(
    interaction_id: IdPath,
    scenario_id: str,
    body: ScenarioInput,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    response: Response,
    version: IfMatch,
) -> ScenarioResult:
    """Save the scenario's intake (kept even when invalid) and report each field's problem.
    With `If-Match: "<version>"` a form someone saved since is refused (412 `stale`, each
    field with its `current` text) rather than overwritten."""
    result = desk.record_scenario(
        session,
        user,
        interaction_id,
        scenario_id,
        body.values,
        body.completed_steps,
        now,
        base_version=version,
    )
    stored = progress_of(desk.access_interaction(session, user, interaction_id))
    now_version = stored.scenarios[scenario_id].version
    response.headers["ETag"] = etag(now_version)
    return ScenarioResult(
        ok=result.ok, values=result.values, errors=result.errors, version=now_version
    )


class EscalationInput(BaseModel):
    policy: str
    team: str
    customer_unsatisfied: StrictBool = True
    faq_tried: list[str] = Field(
        default_factory=list, description="slugs of the org's articles tried with the caller"
    )


@router.post("/{interaction_id}/escalations", response_model=InteractionDetail, responses=CONFLICT)
def escalate(
    interaction_id: IdPath, body: EscalationInput, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Record a request for a team under an escalation policy (its preconditions apply)."""
    interaction = desk.record_escalation(
        session,
        user,
        interaction_id,
        body.policy,
        body.team,
        body.faq_tried,
        body.customer_unsatisfied,
        Catalog(session),
        now,
    )
    return detail(session, interaction, now)


class FaqTried(BaseModel):
    article: str = Field(min_length=1, max_length=200, description="slug of the article tried")


@router.post("/{interaction_id}/faq-tried", response_model=InteractionDetail, responses=CONFLICT)
def faq_tried(
    interaction_id: IdPath, body: FaqTried, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Record that an FAQ article was tried with the caller."""
    return detail(
        session,
        desk.record_faq_tried(session, user, interaction_id, body.article, Catalog(session), now),
        now,
    )


class AccountLink(BaseModel):
    account_id: IdField


@router.put("/{interaction_id}/account", response_model=InteractionDetail, responses=CONFLICT)
def link_account(
    interaction_id: IdPath, body: AccountLink, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    return detail(
        session, desk.link_account(session, user, interaction_id, body.account_id, now), now
    )


class Summary(BaseModel):
    summary: str = Field(max_length=5000)


@router.put(
    "/{interaction_id}/summary", response_model=InteractionDetail, responses={**CONFLICT, **STALE}
)
def summary(
    interaction_id: IdPath,
    body: Summary,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    response: Response,
    version: IfMatch,
) -> InteractionDetail:
    """Write the call's summary. Send `If-Match: "<progress.summary_version>"` (the ETag of
    your last write) to be refused with 412 `stale` rather than overwrite a newer summary;
    the answer's `ETag` is the new version."""
    interaction = desk.set_summary(
        session, user, interaction_id, body.summary, now, base_version=version
    )
    reply = detail(session, interaction, now)
    response.headers["ETag"] = etag(reply.progress.summary_version)
    return reply


class WrapUpReply(BaseModel):
    interaction_id: IdPath
    already_closed: bool = Field(description="true when a previous wrap-up already wrote")
    written: list[WrittenRecord]


@router.post("/{interaction_id}/wrap-up", response_model=WrapUpReply, responses=CONFLICT)
def wrap(interaction_id: IdPath, session: SessionDep, user: CurrentAgent, now: Now) -> WrapUpReply:
    """Close the call, writing every owed CRM record at once; 422 lists what is missing."""
    result = wrap_up(session, user, interaction_id, now)
    return WrapUpReply(
        interaction_id=result.interaction_id,
        already_closed=result.already_closed,
        written=result.written,
    )
