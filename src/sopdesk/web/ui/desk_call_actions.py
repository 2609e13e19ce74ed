"""What the agent does on the call screen, each through one desk service call.

Every action answers with the screen's live regions (swapped out of band) or, for a refusal
the agent can act on (409, 422), with the reason shown inline. Wrap-up refused answers 422
with the wrap-up panel listing exactly what the engine says is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse

from sopdesk.desk import service as desk
from sopdesk.desk.errors import STALE, DeskError
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import progress_of
from sopdesk.desk.wrapup import wrap_up
from sopdesk.kb.service import Catalog
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.ui.desk_call import act, flash, regions
from sopdesk.web.ui.desk_call_conflict import scenario_conflict, summary_conflict
from sopdesk.web.ui.desk_call_owner import change_hands
from sopdesk.web.versions import IfMatch, etag

router = APIRouter(prefix="/calls/{call_id}")

Text = Annotated[str, Form(max_length=5000)]


@router.post("/accept")
def accept(
    request: Request, call_id: int, session: SessionDep, user: CurrentAgent, now: Now
) -> HTMLResponse:
    """Take the call; the loser of a take race gets the screen read-only, told who has it."""
    return change_hands(
        request, session, user, now, call_id, lambda: desk.accept(session, user, call_id, now)
    )


@router.put("/steps/{step_id}")
def tick_step(
    request: Request,
    call_id: int,
    step_id: str,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    done: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """A checklist box: checked sends done=true, unchecked sends nothing."""
    return act(
        request,
        session,
        user,
        now,
        lambda: desk.set_step(session, user, call_id, step_id, done, now),
    )


@router.post("/answers")
def answer(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    step: Annotated[str, Form(max_length=64)],
    answer: Annotated[str, Form(max_length=300)],
) -> HTMLResponse:
    return act(
        request, session, user, now, lambda: desk.choose(session, user, call_id, step, answer, now)
    )


@router.put("/outcome")
def outcome(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    converted: Annotated[bool, Form()],
) -> HTMLResponse:
    return act(
        request,
        session,
        user,
        now,
        lambda: desk.set_outcome(session, user, call_id, converted, now),
    )


@dataclass(frozen=True)
class ScenarioForm:
    values: dict[str, str]
    steps: list[str]


async def scenario_form(request: Request) -> ScenarioForm:
    """The scenario form's fields (`f.<field id>`) and its ticked steps (`step`)."""
    form = await request.form()
    values = {
        key[2:]: value
        for key, value in form.multi_items()
        if key.startswith("f.") and isinstance(value, str)
    }
    return ScenarioForm(values, [v for v in form.getlist("step") if isinstance(v, str)])


@router.put("/scenarios/{scenario_id}")
def save_scenario(
    request: Request,
    call_id: int,
    scenario_id: str,
    form: Annotated[ScenarioForm, Depends(scenario_form)],
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    version: IfMatch,
) -> HTMLResponse:
    """Saved as the agent types, even when invalid (nothing typed is lost); errors come back
    next to each field. Written over the form's version (If-Match, as for the summary)."""

    def record() -> Interaction:
        desk.record_scenario(
            session,
            user,
            call_id,
            scenario_id,
            dict(form.values),
            form.steps,
            now,
            base_version=version,
        )
        return desk.access_interaction(session, user, call_id)

    try:
        answer = act(request, session, user, now, record)
    except DeskError as exc:
        if exc.code != STALE:
            raise
        # Not a translation: the form's own panel shows both versions for the agent to choose.
        playbook = desk.playbook_of(session, desk.access_interaction(session, user, call_id))
        mine = {**form.values, "steps": ", ".join(form.steps)}
        return scenario_conflict(request, exc, playbook, scenario_id, mine)
    if answer.status_code == 200:
        stored = progress_of(desk.access_interaction(session, user, call_id))
        answer.headers["ETag"] = etag(stored.scenarios[scenario_id].version)
    return answer


@router.post("/faq-tried")
def faq_tried(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    article: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """One click: this FAQ article was tried with the caller (the knowledge base's results and
    the policy panel's list send its slug; one that names no article is refused)."""
    slug = article.strip()
    return act(
        request,
        session,
        user,
        now,
        lambda: desk.record_faq_tried(session, user, call_id, slug, Catalog(session), now),
    )


@router.post("/escalations")
def escalate(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    policy: Annotated[str, Form(max_length=64)],
    team: Annotated[str, Form(max_length=64)],
) -> HTMLResponse:
    """The client is still unsatisfied and wants this team: the policy's channel applies."""
    return act(
        request,
        session,
        user,
        now,
        lambda: desk.record_escalation(
            session, user, call_id, policy, team, [], True, Catalog(session), now
        ),
    )


@router.put("/account")
def link_account(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    account_id: Annotated[int, Form()],
) -> HTMLResponse:
    return act(
        request,
        session,
        user,
        now,
        lambda: desk.link_account(session, user, call_id, account_id, now),
    )


@router.put("/summary")
def summary(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    version: IfMatch,
    summary: Text = "",
) -> HTMLResponse:
    """Saved as the agent types; call_save.js sends the version the text was written over
    (If-Match) and keeps the answer's ETag. A stale write answers 412 with both texts."""
    try:
        answer = act(
            request,
            session,
            user,
            now,
            lambda: desk.set_summary(session, user, call_id, summary, now, base_version=version),
        )
    except DeskError as exc:
        if exc.code != STALE:
            raise
        # Not a translation: the summary's own panel shows both texts for the agent to choose.
        return summary_conflict(request, exc, summary)
    if answer.status_code == 200:
        stored = progress_of(desk.access_interaction(session, user, call_id))
        answer.headers["ETag"] = etag(stored.summary_version)
    return answer


@router.post("/wrap-up", response_model=None)
def wrap(
    request: Request, call_id: int, session: SessionDep, user: CurrentAgent, now: Now
) -> Response:
    """Close the call and write its records; refused (422) with the wrap-up panel listing
    what is missing. Success reloads the screen, which then shows what was written."""
    try:
        wrap_up(session, user, call_id, now)
    except DeskError as exc:
        # Not a translation: the wrap-up panel lists what is missing, on the call screen.
        if exc.status == 409:
            return flash(request, exc)  # someone else has the call, or nobody took it yet
        if exc.status != 422:
            raise
        interaction = desk.access_interaction(session, user, call_id)
        return regions(request, session, user, interaction, now, 422, refused=exc)
    return Response(status_code=204, headers={"HX-Redirect": f"/calls/{call_id}"})
