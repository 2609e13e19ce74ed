"""The importer reads a knowledge-base article's structure, on documents that are not seeds:
"If X, do Y" steps become a check and its action, a team's promises are told to the caller,
quick-answer rules join the step they govern, "how" fields become choices of the means the
document lists, and cut-off related articles give summary-only scenarios.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sopdesk.playbooks.importer import ImportResult, import_sop
from sopdesk.playbooks.importer.branches import caller_word, condition_of
from sopdesk.playbooks.importer.options import enumerations, options_for
from sopdesk.playbooks.language.loader import load_text
from sopdesk.playbooks.language.schema import FieldType, Step
from sopdesk.playbooks.lint import lint_playbook

DATA = Path(__file__).resolve().parent / "data" / "importer"


@pytest.fixture(scope="module")
def claims() -> ImportResult:
    text = (DATA / "parcelwise_claims_article.txt").read_text(encoding="utf-8")
    return import_sop(text, "parcelwise_claims_article.txt")


def line_steps(result: ImportResult) -> dict[str, Step]:
    (line,) = result.playbook.lines
    return {step.kind: step for step in line.steps}


def test_the_claims_article_drafts_lint_clean(claims: ImportResult) -> None:
    assert [f.message for f in lint_playbook(load_text(claims.playbook_yaml))] == []


def test_a_conditional_step_is_a_check_then_its_action(claims: ImportResult) -> None:
    (line,) = claims.playbook.lines
    check = line.steps[1]
    assert check.kind == "check"
    assert check.text == (
        "Check whether the parcel is still missing after checking the tracking page and the "
        "customer wants to file a claim."
    )
    assert [(c.label, c.goto) for c in check.choices] == [("Yes", line.steps[2].id), ("No", "end")]
    assert line.steps[2].text.startswith("Ask the customer to send the claim by email")


def test_what_the_team_will_do_is_told_to_the_caller(claims: ImportResult) -> None:
    (line,) = claims.playbook.lines
    tell = line.steps[-1]
    assert (tell.kind, tell.text) == (
        "say",
        "Tell the customer: the claim will be reviewed by the Claims team; a decision will be "
        "sent within 2 days of receiving the email.",
    )
    # Only a caller who was asked to write is told what happens to the claim.
    assert line.steps[1].choices[-1].goto == "end"
    (policy,) = claims.playbook.policies
    assert [s.text for s in policy.steps] == [
        "The claim will be reviewed by the Claims team.",
        "A decision will be sent within 2 days of receiving the email.",
    ]


def test_a_quick_answer_rule_joins_the_step_using_its_channel(claims: ImportResult) -> None:
    asks = line_steps(claims)["ask"]
    assert asks.text.endswith(
        "Only email is accepted\u2014phone transfers to the Claims team are not allowed."
    )
    # The restated bullet and the rule are placed; the quick-answer heading with them.
    assert {u.line for u in claims.unplaced}.isdisjoint({2, 3, 4, 5})


def test_a_how_field_offers_the_means_the_document_lists(claims: ImportResult) -> None:
    (scenario,) = claims.playbook.scenarios
    method = next(f for f in scenario.fields if f.label == "Delivery method")
    assert method.type is FieldType.CHOICE
    # "by phone or chat" shares no word with the field or its scenario: not a delivery means.
    assert method.options == ["Courier", "Locker", "Post office pickup", "Other"]
    assert any("Delivery method" in a and "'Other' added" in a for a in claims.assumptions)


def test_a_cut_off_related_article_is_a_summary_only_scenario(claims: ImportResult) -> None:
    (scenario,) = claims.playbook.scenarios
    assert scenario.summary_only and scenario.source is not None
    assert scenario.source.startswith("If a parcel arrives damaged, raise a ticket")
    first = scenario.steps[0]
    assert (first.kind, first.text) == ("check", "Check whether the parcel arrives damaged.")
    assert [c.goto for c in first.choices] == [scenario.steps[1].id, "end"]


def test_no_skips_only_the_steps_the_condition_covers() -> None:
    text = (
        "What should an agent do when a member asks for the Billing team?\n"
        "Step-by-step process:\n"
        "- If the member disputes a charge on the bill, the agent must ask them to email the "
        "Billing team.\n"
        "- The agent must note the request on the member's account.\n"
        "- Only email is allowed; phone calls with the Billing team are not permitted.\n"
    )
    (line,) = import_sop(text, "billing.txt").playbook.lines
    check, ask, note = line.steps
    assert [(c.label, c.goto) for c in check.choices] == [("Yes", ask.id), ("No", note.id)]
    assert not ask.choices and not note.choices


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "If the caller is still upset after that, the agent must offer a call-back.",
            ("the caller is still upset after that", "the agent must offer a call-back."),
        ),
        # The comma inside the condition is not where the instruction starts.
        (
            "If the order, or part of it, is late, send the apology email.",
            ("the order, or part of it, is late", "send the apology email."),
        ),
        ("If it rains, umbrellas sell well.", None),  # no instruction follows
        ("When the call ends, log it.", None),  # a moment, not a condition to check
        ("Log the call.", None),
    ],
)
def test_condition_of(text: str, expected: tuple[str, str] | None) -> None:
    assert condition_of(text) == expected


def test_caller_word_is_the_documents_own() -> None:
    assert caller_word("The patient calls. Ask the patient and the patients' family.") == "patient"
    assert caller_word("Ask the customer; the customer may be a user.") == "customer"
    assert caller_word("Nothing about people here.") == "caller"


@pytest.mark.parametrize(
    ("label", "owner", "expected"),
    [
        ("Method", "Card payments", ["Card", "Bank transfer", "Voucher", "Other"]),
        ("Payment method", "Refund", ["Card", "Bank transfer", "Voucher", "Other"]),
        ("Contact method", "Call-back", ["Phone", "Text message", "Other"]),
        ("Payment date", "Refund", []),  # not a "how" field
        ("Method", "Parking", []),  # no list shares a word with it
    ],
)
def test_options_for(label: str, owner: str, expected: list[str]) -> None:
    text = (
        "Guests pay by card, bank transfer, or voucher.\n"
        "We contact guests by phone or text message.\n"
        "Rooms are cleaned by the housekeeping staff.\n"
    )
    assert options_for(label, owner, enumerations(text)) == expected


def test_a_single_means_counts_only_beside_a_list() -> None:
    alone = enumerations("Use the web form for urgent requests.")
    assert alone == []
    (beside,) = enumerations(
        "Use the web form for urgent requests (it is instant; POST/FAX are slow)."
    )
    assert beside.options == ("Web form", "POST", "FAX")
