"""New callers over JSON: create a contact or an account (201), refused as a duplicate (409).

A duplicate is the same phone (compared in E.164, read in the org's default region) or the
same email (any case) in the org. The 409 is the one error shape; each field that matched
names the `existing_id` to use instead:
`{"error": {"code": "duplicate", "message": ..., "fields": [{"field": "phone", "message": ...,
"existing_id": 12}]}}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool

from sopdesk.crm import callers
from sopdesk.crm.views import AccountPublic, ContactPublic
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import ErrorResponse
from sopdesk.web.ids import IdField

router = APIRouter(tags=["crm"])

DUPLICATE: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": "The org already has this phone or email: each such field names the "
        "`existing_id` to use instead",
    }
}


class ContactIn(BaseModel):
    name: str | None = Field(None, max_length=callers.NAME_MAX)
    phone: str | None = Field(None, max_length=40, description="any format; stored in E.164")
    email: str | None = Field(None, max_length=callers.EMAIL_MAX)
    account_id: IdField | None = Field(None, description="the account the contact belongs to")


class AccountIn(BaseModel):
    name: str = Field(min_length=1, max_length=callers.NAME_MAX)
    phone: str | None = Field(None, max_length=40, description="any format; stored in E.164")
    email: str | None = Field(None, max_length=callers.EMAIL_MAX)
    paid: StrictBool = False


@router.post("/contacts", response_model=ContactPublic, status_code=201, responses=DUPLICATE)
def create_contact(
    body: ContactIn, session: SessionDep, user: CurrentUser, now: Now
) -> ContactPublic:
    """A new contact (a name, a phone or an email at least); 409 when one has the phone/email."""
    contact = callers.create_contact(
        session,
        user,
        now,
        name=body.name,
        phone=body.phone,
        email=body.email,
        account_id=body.account_id,
    )
    return ContactPublic.model_validate(contact)


@router.post("/accounts", response_model=AccountPublic, status_code=201, responses=DUPLICATE)
def create_account(
    body: AccountIn, session: SessionDep, user: CurrentUser, now: Now
) -> AccountPublic:
    """A new account with the caller as its contact; 409 when an account (or an account's
    contact) has the phone or email."""
    account = callers.create_account(
        session, user, now, name=body.name, phone=body.phone, email=body.email, paid=body.paid
    )
    return AccountPublic.model_validate(account)
