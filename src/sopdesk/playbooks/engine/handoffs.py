"""What a hand-off or an escalation owes beyond the call's own records: a ticket in the
hand-off's category, an escalation under a policy. Pure, like the rest of the wrap-up plan."""

from __future__ import annotations

from sopdesk.playbooks.engine.callrecord import (
    CallRecord,
    EscalationData,
    FieldValue,
    Missing,
    OwedEscalation,
    OwedTicket,
    TicketData,
)
from sopdesk.playbooks.engine.intake import validate_fields
from sopdesk.playbooks.language.schema import Playbook, Scenario


def category_ticket(
    playbook: Playbook, scenario: Scenario, values: dict[str, FieldValue], record: CallRecord
) -> OwedTicket | Missing | None:
    """The ticket a hand-off raises in its category, with the category's mandatory fields."""
    category_id = scenario.handoff.ticket_category if scenario.handoff else None
    category = next((c for c in playbook.ticket_categories if c.id == category_id), None)
    if category is None:
        return None
    known = {f.id for f in category.fields}
    fields = {k: v for k, v in values.items() if k in known}
    check = validate_fields(category.fields, fields, playbook.org.default_region)
    if check.errors:
        problems = "; ".join(check.labelled(k) for k in check.errors)
        return Missing(
            code="ticket_fields",
            message=f"{scenario.name}: the {category.name} ticket needs {problems}",
            scenario=scenario.id,
        )
    caller = record.caller_name or record.caller_number or "caller"
    subject = f"{category.name}: {scenario.name} ({caller})"
    return OwedTicket(
        data=TicketData(
            category=category.id, team=category.team, subject=subject, fields=check.values
        )
    )


def escalation_records(
    playbook: Playbook, record: CallRecord
) -> tuple[list[OwedEscalation], list[Missing]]:
    records: list[OwedEscalation] = []
    missing: list[Missing] = []
    for esc in record.escalations:
        policy = playbook.policy(esc.policy)
        if policy is None:
            missing.append(Missing(code="policy_unknown", message=f"No policy '{esc.policy}'."))
            continue
        met = {
            "faq_tried": bool(esc.faq_tried),
            "customer_unsatisfied": esc.customer_unsatisfied,
            "identity_verified": esc.identity_verified,
        }
        unmet = [p for p in policy.preconditions if not met[p]]
        for pre in unmet:
            missing.append(
                Missing(
                    code=f"precondition_{pre}",
                    message=f"{policy.name}: {pre.replace('_', ' ')} before escalating.",
                )
            )
        team = playbook.team(esc.team)
        if team is None or esc.team not in policy.teams:
            missing.append(
                Missing(code="team_unknown", message=f"{policy.name}: no team '{esc.team}'.")
            )
            continue
        if not unmet:
            sla = policy.sla
            data = EscalationData(
                policy=policy.id,
                team=team.id,
                channel=policy.channel.value,
                address=team.email,
                forbidden_channels=[c.value for c in policy.forbidden_channels],
                faq_tried=list(esc.faq_tried),
                sla_within_seconds=int(sla.within.total_seconds()) if sla else None,
                sla_measured_from=sla.measured_from if sla else None,
            )
            records.append(OwedEscalation(data=data))
    return records, missing
