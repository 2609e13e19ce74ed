"""New callers: find them by number, name or email, or create their contact and account.

A phone is compared in E.164 (read with the org's default region from its playbook, so
"+1 (415) 555-2671", "415 555 2671" and "+14155552671" are one number); an email without
regard to case. Creating what the org already has is refused with 409, naming in each field
the `existing_id` to use instead. New rows store the phone in E.164 and the email as typed.
Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sopdesk.crm import records
from sopdesk.crm.models import Account, Contact
from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_current_playbook
from sopdesk.playbooks.engine import normalize_number

NAME_MAX = 200
EMAIL_MAX = 320
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CallerInvalid(Refusal):
    """A contact or account whose fields cannot be stored (422, each field named)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        names = ", ".join(p.field for p in problems)
        super().__init__(422, "invalid", f"check {names}", problems)


class DuplicateCaller(Refusal):
    """The org already has this phone or email (409): each field names the existing id."""

    def __init__(self, what: str, problems: list[FieldProblem]) -> None:
        names = " and ".join(p.field for p in problems)
        super().__init__(409, "duplicate", f"{what} with this {names} already exists", problems)
        self.existing_id = problems[0].existing_id


@dataclass(frozen=True)
class CallerDetails:
    """A caller as typed or as the phone system reported them, checked and normalised."""

    name: str | None
    phone: str | None  # E.164
    email: str | None


def org_region(session: Session, org_id: str) -> str:
    """The region local numbers are read in: the org's playbook's, else US."""
    current = get_current_playbook(session, org_id)
    return current.playbook.org.default_region if current else "US"


def e164(phone: str | None, region: str) -> str | None:
    """The number in E.164, or None when it is not a possible phone number."""
    text = (phone or "").strip()
    if not text:
        return None
    normal = normalize_number(text, region)
    return normal if normal.startswith("+") else None


def checked(
    region: str,
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    name_required: bool = False,
) -> CallerDetails:
    """The caller's fields trimmed and normalised; 422 naming each one that is wrong."""
    problems: list[FieldProblem] = []
    clean_name = (name or "").strip() or None
    if clean_name is None and name_required:
        problems.append(FieldProblem("name", "a name is required"))
    elif clean_name and len(clean_name) > NAME_MAX:
        problems.append(FieldProblem("name", f"at most {NAME_MAX} characters"))
    clean_phone = e164(phone, region)
    if (phone or "").strip() and clean_phone is None:
        problems.append(FieldProblem("phone", f"not a phone number: {phone!r}"))
    clean_email = (email or "").strip() or None
    if clean_email and (len(clean_email) > EMAIL_MAX or not EMAIL.match(clean_email)):
        problems.append(FieldProblem("email", f"not an email address: {email!r}"))
    if problems:
        raise CallerInvalid(problems)
    return CallerDetails(clean_name, clean_phone, clean_email)


def _same_phone(rows: list[tuple[int, str | None]], phone: str | None, region: str) -> int | None:
    if phone is None:
        return None
    return next((row_id for row_id, other in rows if e164(other, region) == phone), None)


def _phones(
    session: Session, model: type[Account] | type[Contact], org_id: str
) -> list[tuple[int, str | None]]:
    # Stored numbers may be in any format (seeds, imports): each is read as the org reads them.
    stmt = select(model.id, model.phone).where(model.org_id == org_id, model.phone.is_not(None))
    return [(row_id, phone) for row_id, phone in session.execute(stmt.order_by(model.id))]


def _same_email(
    session: Session, model: type[Account] | type[Contact], org_id: str, email: str | None
) -> int | None:
    if email is None:
        return None
    return session.scalar(
        select(model.id)
        .where(model.org_id == org_id, func.lower(model.email) == email.lower())
        .order_by(model.id)
        .limit(1)
    )


def _duplicates(
    session: Session,
    model: type[Account] | type[Contact],
    org_id: str,
    d: CallerDetails,
    region: str,
) -> list[FieldProblem]:
    what = "an account" if model is Account else "a contact"
    problems = []
    by_phone = _same_phone(_phones(session, model, org_id), d.phone, region)
    if by_phone is not None:
        problems.append(FieldProblem("phone", f"{what} already has {d.phone}", by_phone))
    by_email = _same_email(session, model, org_id, d.email)
    if by_email is not None:
        problems.append(FieldProblem("email", f"{what} already has {d.email}", by_email))
    return problems


def existing_contact(
    session: Session, org_id: str, details: CallerDetails, region: str
) -> Contact | None:
    """The org's contact with this phone or email (the phone's first), if any."""
    for p in _duplicates(session, Contact, org_id, details, region):
        if p.existing_id is not None:
            return session.get(Contact, p.existing_id)
    return None


def existing_account(
    session: Session, org_id: str, d: CallerDetails, region: str
) -> list[FieldProblem]:
    """Why an account for this caller would be a duplicate: an account with the phone or email,
    or a contact with it who already belongs to an account (that account is the one)."""
    problems = _duplicates(session, Account, org_id, d, region)
    named = {p.field for p in problems}
    for p in _duplicates(session, Contact, org_id, d, region):
        if p.field in named or p.existing_id is None:
            continue
        contact = session.get(Contact, p.existing_id)
        if contact is not None and contact.account_id is not None:
            value = d.phone if p.field == "phone" else d.email
            problems.append(
                FieldProblem(
                    p.field, f"a contact of an account already has {value}", contact.account_id
                )
            )
    return problems


def create_contact(
    session: Session,
    user: User,
    now: datetime,
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    account_id: int | None = None,
) -> Contact:
    """A new contact of the user's org; 409 (existing_id) when one has the phone or email."""
    region = org_region(session, user.org_id)
    details = checked(region, name=name, phone=phone, email=email)
    if details.phone is None and details.email is None and details.name is None:
        raise CallerInvalid([FieldProblem("name", "give a name, a phone or an email")])
    if account_id is not None and _account(session, user.org_id, account_id) is None:
        raise CallerInvalid([FieldProblem("account_id", f"no account {account_id}")])
    problems = _duplicates(session, Contact, user.org_id, details, region)
    if problems:
        raise DuplicateCaller("a contact", problems)
    contact = records.create_contact(
        session,
        org_id=user.org_id,
        now=now,
        name=details.name,
        phone=details.phone,
        email=details.email,
        account_id=account_id,
    )
    session.flush()
    _audit(session, user, now, "contact.created", "contact", contact.id, details)
    return contact


def create_account(
    session: Session,
    user: User,
    now: datetime,
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    paid: bool = False,
) -> Account:
    """A new account with the caller as its contact; 409 (existing_id) when an account, or an
    account's contact, has the phone or email. A contact of no account with the same phone or
    email becomes the new account's contact instead of a second one."""
    region = org_region(session, user.org_id)
    details = checked(region, name=name, phone=phone, email=email, name_required=True)
    problems = existing_account(session, user.org_id, details, region)
    if problems:
        raise DuplicateCaller("an account", problems)
    assert details.name is not None  # checked: required
    account = records.create_account(
        session,
        org_id=user.org_id,
        name=details.name,
        now=now,
        paid=paid,
        phone=details.phone,
        email=details.email,
    )
    session.flush()
    loose = [p.existing_id for p in _duplicates(session, Contact, user.org_id, details, region)]
    contact = session.get(Contact, loose[0]) if loose and loose[0] is not None else None
    if contact is not None:
        contact.account_id = account.id
    else:
        contact = records.create_contact(
            session,
            org_id=user.org_id,
            now=now,
            name=details.name,
            phone=details.phone,
            email=details.email,
            account_id=account.id,
        )
    session.flush()
    _audit(session, user, now, "account.created", "account", account.id, details, contact.id)
    return account


def search(session: Session, org_id: str, query: str, limit: int) -> list[Account]:
    """Accounts matching a name, an email or a phone: their own, or one of their contacts'.

    Text matches anywhere in a name or email, any case; 3 or more digits match inside a stored
    number; a whole number matches in E.164 however either was written.
    """
    text = query.strip()
    if not text:
        return []
    like = _like(text.lower())
    wanted = [
        func.lower(Account.name).like(like, escape="\\"),
        func.lower(Account.email).like(like, escape="\\"),
    ]
    contact_wanted = [
        func.lower(Contact.name).like(like, escape="\\"),
        func.lower(Contact.email).like(like, escape="\\"),
    ]
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3:
        wanted.append(Account.phone.like(_like(digits), escape="\\"))
        contact_wanted.append(Contact.phone.like(_like(digits), escape="\\"))
    ids = set(
        session.scalars(
            select(Contact.account_id).where(
                Contact.org_id == org_id, Contact.account_id.is_not(None), or_(*contact_wanted)
            )
        )
    )
    phone = e164(text, org_region(session, org_id)) if len(digits) >= 7 else None
    if phone is not None:
        region = org_region(session, org_id)
        ids |= {i for i, p in _phones(session, Account, org_id) if e164(p, region) == phone}
        for contact_id, p in _phones(session, Contact, org_id):
            if e164(p, region) == phone:
                owner = session.get(Contact, contact_id)
                if owner is not None and owner.account_id is not None:
                    ids.add(owner.account_id)
    if ids:
        wanted.append(Account.id.in_(ids))
    stmt = select(Account).where(Account.org_id == org_id, or_(*wanted))
    return list(session.scalars(stmt.order_by(Account.name, Account.id).limit(limit)))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def get_contact(session: Session, org_id: str, contact_id: int) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.id == contact_id, Contact.org_id == org_id))


def _account(session: Session, org_id: str, account_id: int) -> Account | None:
    return session.scalar(select(Account).where(Account.id == account_id, Account.org_id == org_id))


def _audit(
    session: Session,
    user: User,
    now: datetime,
    action: str,
    object_type: str,
    object_id: int,
    details: CallerDetails,
    contact_id: int | None = None,
) -> None:
    detail: dict[str, object] = {
        "name": details.name,
        "phone": details.phone,
        "email": details.email,
    }
    if contact_id is not None:
        detail["contact_id"] = contact_id
    records.audit(
        session,
        org_id=user.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
