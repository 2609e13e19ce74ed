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
from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs.webhooks import webhook_allowed
from sopdesk.settings import Settings
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.errors import BAD_BODY
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


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})
BAD_CREDENTIAL = "bad or missing Verification-Token for this org's webhook"


def credential_required(settings: Settings, client_host: str | None) -> bool:
    """Outside loopback (a desk serving other hosts, a delivery from another host, or
    production) every delivery must carry its org's credential."""
    local = settings.host in LOOPBACK and (client_host or "") in LOOPBACK
    return settings.production or not local


def _check_credential(
    readers: sessionmaker[Session], org: str | None, presented: str | None, required: bool
) -> None:
    if org is None:
        if required:
            raise Refusal(
                403,
                "forbidden",
                BAD_CREDENTIAL,
                [FieldProblem("org", "name the org: /api/v1/telephony/ringcentral?org=ORG")],
            )
        return  # loopback only: the dialed number picks the org
    with readers() as session:
        if not webhook_allowed(session, org, presented, required):
            raise Refusal(403, "forbidden", BAD_CREDENTIAL)


@router.post("/telephony/ringcentral", response_model=WebhookReply, responses=BAD_BODY)
async def ringcentral_webhook(
    request: Request,
    now: Now,
    org: Annotated[
        str | None, Query(max_length=64, description="org this subscription belongs to")
    ] = None,
) -> Response:
    """RingCentral webhooks: the Validation-Token handshake, then telephony-session events.

    Point each org's subscription at `/api/v1/telephony/ringcentral?org=ORG` with that org's
    verification token (`sopdesk webhook-token --org ORG`), sent back in `Verification-Token`:
    it is checked before the body is read, and an unknown org fails exactly like a bad token.
    Only a desk serving loopback alone takes deliveries without one (and without `org`, when
    the dialed number picks the org).
    """
    settings = request.app.state.settings
    required = credential_required(settings, request.client.host if request.client else None)
    presented = request.headers.get("verification-token")
    readers = request.app.state.reader_sessionmaker
    await run_in_threadpool(_check_credential, readers, org, presented, required)
    body = await request.body()
    # The credential is checked above, per org; the parser's own check is for other callers.
    result = parse_webhook(dict(request.headers), body, verification_token=None)
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
