"""Who is calling, as far as the desk knows: for finding or creating their CRM records.

The name and number are the phone system's (the interaction's caller_name, caller_number),
else what the agent typed into the call's intake: a phone from a field of type phone, an
email from a field of type email, a name from a field named `caller_name` or `name`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sopdesk.crm import callers
from sopdesk.crm.models import Contact
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import call_record
from sopdesk.desk.service import playbook_of
from sopdesk.playbooks.engine import intake_of_type
from sopdesk.playbooks.language.schema import FieldType

NAME_FIELDS = ("caller_name", "name")


@dataclass(frozen=True)
class Caller:
    """The caller's details (phone in E.164 when it reads as a number), and the contact of
    the org that already has this phone or email, if any."""

    name: str | None
    phone: str | None
    email: str | None
    contact: Contact | None


def _typed_name(interaction: Interaction) -> str | None:
    for entry in call_record(interaction).scenarios:
        for field_id in NAME_FIELDS:
            value = entry.values.get(field_id)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def caller_of(session: Session, interaction: Interaction) -> Caller:
    playbook = playbook_of(session, interaction)
    record = call_record(interaction)
    region = playbook.org.default_region
    raw_phone = interaction.caller_number or intake_of_type(playbook, record, FieldType.PHONE)
    normal = callers.e164(raw_phone, region)
    email = intake_of_type(playbook, record, FieldType.EMAIL)
    name = (interaction.caller_name or "").strip() or _typed_name(interaction)
    found = callers.CallerDetails(name, normal, email)
    contact = callers.existing_contact(session, interaction.org_id, found, region)
    return Caller(name, normal or raw_phone or None, email, contact)
