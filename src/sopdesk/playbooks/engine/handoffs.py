"""What a hand-off or an escalation owes beyond the call's own records: a ticket in the
hand-off's category, an escalation under a policy. Pure, like the rest of the wrap-up plan."""

from __future__ import annotations

from typing import Any

from sopdesk.playbooks.engine.callrecord import CallRecord, Missing, OwedRecord
from sopdesk.playbooks.engine.intake import validate_fields
from sopdesk.playbooks.language.schema import Playbook, Scenario


def category_ticket(
    playbook: Playbook, scenario: Scenario, values: dict[str, Any], record: CallRecord
) -> OwedRecord | Missing | None:
    """The ticket a hand-off raises in its category, with the category's mandatory fields."""
    category_id = scenario.handoff.ticket_category if scenario.handoff else None
    category = next((c for c in playbook.ticket_categories if c.id == category_id), None)
    if category is None:
        return None
    known = {f.id for f in category.fields}
    fields = {k: v for k, v in values.items() if k in known}
    check = validate_fields(category.fields, fields, playbook.org.default_region)
    if check.errors:
        problems = "; ".join(f"{k}: {v}" for k, v in check.errors.items())
        return Missing(
            code="ticket_fields",
            message=f"{scenario.name}: the {category.name} ticket needs {problems}",
            scenario=scenario.id,
        )
    caller = record.caller_name or record.caller_number or "caller"
    return OwedRecord(
        record="ticket",
        data={
            "category": category.id,
            "team": category.team,
            "subject": f"{category.name}: {scenario.name} ({caller})",
            "fields": check.values,
        },
    )


def escalation_records(
    playbook: Playbook, record: CallRecord
) -> tuple[list[OwedRecord], list[Missing]]:
    records: list[OwedRecord] = []
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
            records.append(
                OwedRecord(
                    record="escalation",
                    data={
                        "policy": policy.id,
                        "team": team.id,
                        "channel": policy.channel.value,
                        "address": team.email,
                        "forbidden_channels": [c.value for c in policy.forbidden_channels],
                        "faq_tried": list(esc.faq_tried),
                        "sla_within_seconds": (
                            int(policy.sla.within.total_seconds()) if policy.sla else None
                        ),
                        "sla_measured_from": policy.sla.measured_from if policy.sla else None,
                    },
                )
            )
    return records, missing
