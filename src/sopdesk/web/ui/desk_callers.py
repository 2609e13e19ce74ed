"""The call screen's new caller: create their account (linked to the call at once) or contact.

A duplicate or an invalid field re-renders the account box (200: it is the page's answer) with
the problem beside the field, or the existing account offered with its Link button; nothing
is written then. The API refuses the same with 409 or 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.crm import callers
from sopdesk.crm import service as crm
from sopdesk.crm.models import Account
from sopdesk.desk import service as desk
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction
from sopdesk.errors import Refusal
from sopdesk.orgs.models import User
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.templating import render
from sopdesk.web.ui.desk_call import flash, page_context, regions
from sopdesk.web.ui.desk_callview import build_call_page

router = APIRouter(prefix="/calls/{call_id}")

Short = Annotated[str, Form(max_length=400)]


def _box(
    request: Request,
    session: Session,
    user: User,
    interaction: Interaction,
    now: datetime,
    refused: Refusal,
    typed: dict[str, str],
    kind: str,
) -> HTMLResponse:
    """The account box again, with the refusal beside the fields or the existing one offered."""
    page = build_call_page(session, user, interaction, now)
    context: dict[str, Any] = page_context(page, now, oob=True)
    offer: list[Account] = []
    if isinstance(refused, callers.DuplicateCaller):
        ids = dict.fromkeys(p.existing_id for p in refused.fields if p.existing_id is not None)
        if kind == "contact":  # the contacts' accounts, if they have one
            contacts = (callers.get_contact(session, user.org_id, i) for i in ids)
            ids = dict.fromkeys(c.account_id for c in contacts if c and c.account_id)
        found = (crm.get_account(session, user.org_id, i) for i in ids)
        offer = [a for a in found if a is not None]
    context.update(
        offer=offer,
        offer_message="; ".join(p.message for p in refused.fields),
        problems={p.field: p.message for p in refused.fields} if not offer else {},
        typed=typed,
    )
    # 200: the box is the answer (the API answers the same refusal with its 409 or 422).
    return render(request, "desk/call_account_linked.html", context)


@router.post("/caller")
def new_caller(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    kind: Annotated[Literal["account", "contact"], Form()] = "account",
    name: Short = "",
    phone: Short = "",
    email: Short = "",
) -> HTMLResponse:
    """Create the caller's account and link it to this call (or only their contact)."""
    interaction = desk.access_interaction(session, user, call_id)
    typed = {"name": name, "phone": phone, "email": email}
    try:
        with session.begin_nested():  # a refused link leaves no account behind
            if kind == "account":
                account = callers.create_account(
                    session, user, now, name=name, phone=phone, email=email
                )
                interaction = desk.link_account(session, user, call_id, account.id, now)
            else:
                callers.create_contact(session, user, now, name=name, phone=phone, email=email)
    except DeskError as exc:
        # Not a translation: the call screen stays, with the refusal in its message area.
        if exc.status not in (409, 422):
            raise
        return flash(request, exc)
    except (callers.DuplicateCaller, callers.CallerInvalid) as exc:
        # The account box's own form, re-rendered with what is wrong or what exists.
        return _box(request, session, user, interaction, now, exc, typed, kind)
    session.flush()
    return regions(request, session, user, interaction, now)
