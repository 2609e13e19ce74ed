"""Calls in: the generic call API and the RingCentral webhook. Both end in `desk.receive_call`.

The routes parse (the webhook with `channels.ringcentral`'s pure parser and mapper), call one
desk service (`receive_call`, `receive_reported`) and answer; which org a webhook call belongs
to is decided there, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from sopdesk.channels.ringcentral import ResultKind, parse_webhook
from sopdesk.channels.ringcentral.mapping import DeskCall, desk_calls
from sopdesk.db import transaction
from sopdesk.desk.calls import CallIn, CallsReceived, CallStatus, receive_call, receive_reported
from sopdesk.desk.views import InteractionPublic
from sopdesk.errors import Refusal
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.ids import Moment

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
    at: Moment | None = Field(
        None, description="when it happened, with its offset, 2000-2100 (default: now)"
    )


@router.post("/calls", response_model=InteractionPublic, status_code=201)
def report_call(
    body: CallCreate, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionPublic:
    """Ring (or update) a call for the caller's org; the same external_id is the same call."""
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


class WebhookReply(BaseModel):
    accepted: int
    interactions: list[int]
    notes: list[str]


def _receive(
    factory: sessionmaker[Session], org: str | None, calls: tuple[DeskCall, ...], now: datetime
) -> CallsReceived:
    """One transaction for the whole delivery, in a worker thread (the event loop never blocks)."""
    with transaction(factory) as session:
        return receive_reported(session, org, calls, now)


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
    if result.kind in (ResultKind.REJECTED, ResultKind.ERROR):
        status = result.http_status
        code = "forbidden" if status == 403 else "bad_request"
        raise Refusal(status, code, result.reason or "refused")
    headers = result.response_headers
    mapped = desk_calls(result.events)
    factory = request.app.state.sessionmaker
    received = await run_in_threadpool(_receive, factory, org, mapped.calls, now)
    reply = WebhookReply(
        accepted=received.accepted,
        interactions=list(received.interaction_ids),
        notes=[*result.notes, *mapped.notes, *received.refused],
    )
    return JSONResponse(reply.model_dump(), status_code=200, headers=headers)
