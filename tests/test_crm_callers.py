"""New callers in the CRM: a phone is one number however it is written (E.164 in the org's
region), an email is one address in any case; a duplicate is refused naming the existing id;
the search finds a caller by name, number or email, on the account or one of its contacts;
a lead is worked (stage, owner, note, follow-up task), each change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm import callers, leads, records
from sopdesk.crm.models import AuditEntry, Contact
from sopdesk.crm.service import search_accounts
from sopdesk.db import transaction


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def test_the_same_number_written_two_ways_is_a_duplicate_account(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s, pytest.raises(callers.DuplicateCaller) as refused:
        callers.create_account(
            s, world.agent_ana, T0, name="D. Carter", phone="+1 (415) 555-2671", email=None
        )
    assert refused.value.status == 409
    assert [(f.field, f.existing_id) for f in refused.value.fields] == [("phone", world.account_id)]


def test_an_email_in_another_case_is_a_duplicate(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s, pytest.raises(callers.DuplicateCaller) as refused:
        callers.create_account(
            s, world.agent_ana, T0, name="Dee", phone=None, email="DEE@Example.com"
        )
    assert [(f.field, f.existing_id) for f in refused.value.fields] == [("email", world.account_id)]


def test_a_contact_is_stored_in_e164_and_its_number_is_then_taken(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        contact = callers.create_contact(
            s, world.agent_ana, T0, name="Ray Olsen", phone="(415) 555-0134", email="ray@ex.com"
        )
        first = contact.id
        assert contact.phone == "+14155550134"  # the org's region (US) reads the local number
    with transaction(session_factory) as s:
        with pytest.raises(callers.DuplicateCaller) as refused:
            callers.create_contact(
                s, world.agent_ana, T0, name="R", phone="+14155550134", email=None
            )
        assert refused.value.fields[0].existing_id == first
        with pytest.raises(callers.DuplicateCaller):
            callers.create_contact(s, world.agent_ana, T0, name="R", phone=None, email="RAY@EX.COM")


def test_another_orgs_number_is_not_a_duplicate(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        account = callers.create_account(
            s, world.other_org_olga, T0, name="Dee at MyOperator", phone="+14155552671", email=None
        )
        assert account.org_id == "myoperator"


def test_a_new_account_takes_the_callers_loose_contact_and_is_audited(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        loose = callers.create_contact(
            s, world.agent_ana, T0, name="Kim Park", phone="+1 628 555 0199", email=None
        )
        account = callers.create_account(
            s, world.agent_ana, T0, name="Kim Park", phone="628-555-0199", email="kim@ex.com"
        )
        assert loose.account_id == account.id
        assert account.phone == "+16285550199"
        contacts = s.scalars(select(Contact).where(Contact.account_id == account.id)).all()
        assert [c.id for c in contacts] == [loose.id]  # no second contact
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "account.created"))
        assert entry is not None and entry.actor == world.agent_ana.email
        assert entry.object_id == str(account.id) and entry.detail["contact_id"] == loose.id


def test_invalid_fields_are_named(session_factory: sessionmaker[Session], world: World) -> None:
    with transaction(session_factory) as s, pytest.raises(callers.CallerInvalid) as refused:
        callers.create_account(s, world.agent_ana, T0, name=" ", phone="12", email="nope")
    assert refused.value.status == 422
    assert [f.field for f in refused.value.fields] == ["name", "phone", "email"]


@pytest.mark.parametrize("query", ["carter", "+1 (415) 555-2671", "415 555 2671", "DEE@EXAMPLE"])
def test_search_finds_the_caller_by_name_number_or_email(
    session_factory: sessionmaker[Session], world: World, query: str
) -> None:
    with transaction(session_factory) as s:
        assert [a.id for a in search_accounts(s, "rondesse", query)] == [world.account_id]
        assert search_accounts(s, "myoperator", query) == []


def test_search_finds_an_account_by_its_contacts_email(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        callers.create_contact(
            s,
            world.agent_ana,
            T0,
            name="Sam Carter-Jones",
            phone=None,
            email="sam.cj@family.example",
            account_id=world.account_id,
        )
        assert [a.id for a in search_accounts(s, "rondesse", "sam.cj@")] == [world.account_id]


def _lead(session_factory: sessionmaker[Session]) -> int:
    with transaction(session_factory) as s:
        lead = records.write_lead(
            s,
            org_id="rondesse",
            stage="Hot",
            name="Dee Carter",
            phone="+14155552671",
            email="dee@example.com",
            line="main",
            now=T0,
        )
        s.flush()
        return lead.id


def test_a_lead_is_worked_and_every_change_audited(
    session_factory: sessionmaker[Session], world: World
) -> None:
    lead_id = _lead(session_factory)
    later = T0 + timedelta(hours=1)
    with transaction(session_factory) as s:
        lead = leads.update_lead(
            s, world.agent_ana, lead_id, later, stage="warm", owner_id=world.agent_bo.id
        )
        assert (lead.stage, lead.owner_id, lead.updated_at) == ("Warm", world.agent_bo.id, later)
        note = leads.add_note(s, world.agent_ana, lead_id, "Wants a call on Monday", later)
        task = leads.add_task(
            s,
            world.agent_ana,
            lead_id,
            later,
            title="Call Dee back",
            due_at=later + timedelta(days=3),
        )
        assert task.assignee_id == world.agent_bo.id  # the lead's owner by default
        assert [t.id for t in leads.tasks(s, "rondesse", lead)] == [task.id]
        assert [n.id for n in leads.notes(s, "rondesse", lead_id)] == [note.id]
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "lead")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["lead.staged", "lead.owned", "lead.noted", "lead.task_added"]


def test_a_lead_refuses_unknown_stages_and_strangers(
    session_factory: sessionmaker[Session], world: World
) -> None:
    lead_id = _lead(session_factory)
    with transaction(session_factory) as s:
        with pytest.raises(leads.LeadInvalid) as stage:
            leads.update_lead(s, world.agent_ana, lead_id, T0, stage="Lukewarm")
        assert stage.value.fields[0].field == "stage" and "Hot" in stage.value.fields[0].message
        with pytest.raises(leads.LeadInvalid) as owner:
            leads.update_lead(s, world.agent_ana, lead_id, T0, owner_id=world.other_org_olga.id)
        assert owner.value.fields[0].field == "owner_id"
        with pytest.raises(leads.LeadNotFound):
            leads.add_note(s, world.other_org_olga, lead_id, "not yours", T0)
