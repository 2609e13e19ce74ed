"""Calls in: the generic call API and the RingCentral webhook. Both end in `desk.receive_call`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sopdesk.channels.ringcentral import CallEvent, ResultKind, parse_webhook
from sopdesk.channels.ringcentral import CallStatus as RcStatus
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.desk.views import InteractionPublic
from sopdesk.orgs.models import Org
from sopdesk.orgs.service import get_current_playbook
from sopdesk.playbooks.engine.matching import normalize_number
from sopdesk.web.deps import CurrentAgent, Now, SessionDep

router = APIRouter(tags=["calls"])


class CallCreate(BaseModel):
    """A call reported by any phone system. Label and number are both optional: an unknown
    line still rings, on the org's fallback playbook."""

    external_id: str | None = Field(
        None, max_length=128, description="the phone system's id of the call (one per session)"
    )
    status: CallStatus = CallStatus.RINGING
    label: str | None = Field(None, max_length=200, description="line label shown before answering")
    dialed_number: str | None = Field(None, max_length=32)
    caller_number: str | None = Field(None, max_length=32)
    caller_name: str | None = Field(None, max_length=200)
    at: datetime | None = Field(None, description="when it happened (default: now)")


@router.post("/calls", response_model=InteractionPublic, status_code=201)
def report_call(
    body: CallCreate, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionPublic:
    """Ring (or update) a call for the caller's org; the same external_id is the same call."""
    if body.at is not None and body.at.tzinfo is None:
        raise DeskError(422, "invalid", "invalid time", [FieldProblem("at", "needs a time zone")])
    call = CallIn(
        org_id=user.org_id,
        at=body.at or now,
        status=body.status,
        external_id=body.external_id,
        channel="api",
        label=body.label,
        dialed_number=body.dialed_number,
        caller_number=body.caller_number,
        caller_name=body.caller_name,
    )
    return InteractionPublic.model_validate(receive_call(session, call, now))


_STATUS = {
    RcStatus.RINGING: CallStatus.RINGING,
    RcStatus.ANSWERED: CallStatus.ANSWERED,
    RcStatus.ENDED: CallStatus.ENDED,
}


def _org_for(session: Session, org_hint: str | None, event: CallEvent) -> str | None:
    """The org named in the webhook address, else the one whose playbook has the number."""
    if org_hint:
        return org_hint if session.get(Org, org_hint) else None
    if not event.dialed_number:
        return None
    for org_id in session.scalars(select(Org.id)):
        current = get_current_playbook(session, org_id)
        if current is None:
            continue
        region = current.playbook.org.default_region
        wanted = normalize_number(event.dialed_number, region)
        numbers = (n for line in current.playbook.lines for n in line.numbers)
        if any(normalize_number(n, region) == wanted for n in numbers):
            return org_id
    return None


class WebhookReply(BaseModel):
    accepted: int
    interactions: list[int]
    notes: list[str]


def _apply_events(
    request: Request, org: str | None, events: tuple[CallEvent, ...], now: datetime
) -> tuple[list[int], list[str]]:
    """Apply the events in one transaction, in a worker thread (the event loop never blocks)."""
    ids: list[int] = []
    notes: list[str] = []
    factory = request.app.state.sessionmaker
    with factory() as session, session.begin():
        for event in events:
            status = _STATUS.get(event.status)
            if status is None:
                notes.append(f"{event.session_id}: {event.status_code} needs no action")
                continue
            org_id = _org_for(session, org, event)
            if org_id is None:
                raise DeskError(
                    422,
                    "invalid",
                    "no org for this call",
                    [
                        FieldProblem(
                            "org", "add ?org=ORG to the webhook address, or publish the number"
                        )
                    ],
                )
            call = CallIn(
                org_id=org_id,
                at=event.event_time or now,
                status=status,
                external_id=f"rc:{event.session_id}",
                channel="ringcentral",
                label=event.line_label,
                dialed_number=event.dialed_number,
                caller_number=event.caller_number,
                caller_name=event.caller_name,
                agent_name=event.agent_name,
            )
            ids.append(receive_call(session, call, now).id)
    return ids, notes


@router.post("/telephony/ringcentral", response_model=WebhookReply)
async def ringcentral_webhook(
    request: Request,
    now: Now,
    org: Annotated[str | None, Query(description="org this subscription belongs to")] = None,
) -> Response:
    """RingCentral webhooks: the Validation-Token handshake, then telephony-session events.

    Point each org's subscription at `/api/v1/telephony/ringcentral?org=ORG`; without `org`
    the dialed number picks the org whose playbook lists it.
    """
    settings = request.app.state.settings
    body = await request.body()
    result = parse_webhook(
        dict(request.headers), body, verification_token=settings.ringcentral_verification_token
    )
    headers = result.response_headers
    if result.kind in (ResultKind.REJECTED, ResultKind.ERROR):
        status = result.http_status
        code = "forbidden" if status == 403 else "bad_request"
        error = {"code": code, "message": result.reason or "refused", "fields": []}
        return JSONResponse({"error": error}, status_code=status, headers=headers)
    ids, notes = await run_in_threadpool(_apply_events, request, org, result.events, now)
    reply = WebhookReply(
        accepted=len(ids), interactions=sorted(set(ids)), notes=[*result.notes, *notes]
    )
    return JSONResponse(reply.model_dump(), status_code=200, headers=headers)
