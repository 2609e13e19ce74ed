"""Documentation rules: what a call must leave in the CRM, read from wrap-up instructions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sopdesk.playbooks.importer.text import clean, quoted, sentence_case
from sopdesk.playbooks.language.schema import Condition, DocumentationRule, FollowUpTask

Record = Literal["lead", "call_log", "account_note", "task"]

# When the document gives no due time, the agent's own call-back is due within the hour.
CALLBACK_DUE = timedelta(hours=1)

_NOT_CONVERTED = re.compile(
    r"\b(?:not|never|n't|fails? to|did not|does not)\s+(?:been\s+|be\s+)?conver(?:ted|t)\b", re.I
)
_CONVERTED = re.compile(r"\bconver(?:ted|ts)\b", re.I)
_HAS_ACCOUNT = re.compile(
    r"\b(?:has|with)\s+an?\s+(?:existing\s+)?account\b|\bexisting (?:customer|account)\b", re.I
)
_NO_ACCOUNT = re.compile(r"\b(?:no|without an?)\s+account\b", re.I)
_STAGE = re.compile(r"\bstage\b[^\"\u201c]*?\b(?:as|to|of)\s+(?P<word>[A-Z][\w-]*)")
_CONVERSION = re.compile(
    r"\bconver(?:ted|t)\s+(?:to|into)\s+(?P<what>.+?)(?P<when>\s+(?:during|on|by the end of)"
    r"\s+the\s+call)?(?=\s+or\b|[.,;]|$)",
    re.I,
)
_CONTACT_AFTER = re.compile(
    r"\b(contact|call|reach out|follow up|get back|email)\b.*\bafter the call\b", re.I
)


@dataclass
class DocDraft:
    """A documentation rule being assembled; a "stage" entry later joins its lead rule."""

    record: Record | Literal["stage"]
    source: str
    converted: bool | None = None
    has_account: bool | None = None
    stage: str | None = None
    content: str | None = None
    task_title: str | None = None


def read_rule(key: str | None, value: str, written: str) -> DocDraft | None:
    """The record one wrap-up entry asks for ("Call Logs: Record call details..."), if any.

    `written` is the entry as the document writes it, kept as the rule's source.
    """
    head = (key or "").lower()
    text = f"{head} {value}".lower()
    source = clean(written)
    if "stage" in head or ("stage" in text and (quoted(value) or _STAGE.search(value))):
        return DocDraft("stage", source, stage=_stage_name(value))
    if "note" in head or re.search(r"\bnotes? (field|on the account)|\baccount notes?\b", text):
        return DocDraft("account_note", source, content=sentence_case(value))
    if "log" in head or re.search(r"\bcall (logs?|details|records?)\b|\blog the call\b", text):
        return DocDraft("call_log", source)
    if re.search(r"\blead\b", text):
        return DocDraft("lead", source, converted=_converted(value), has_account=_account(value))
    if "task" in head or "follow" in head or _CONTACT_AFTER.search(value):
        return DocDraft("task", source, task_title=sentence_case(value).rstrip("."))
    return None


def _stage_name(value: str) -> str | None:
    names = quoted(value)
    if names:
        return names[0]
    match = _STAGE.search(value)
    return match.group("word") if match else None


def _converted(value: str) -> bool | None:
    if _NOT_CONVERTED.search(value):
        return False
    return True if _CONVERTED.search(value) else None


def _account(value: str) -> bool | None:
    if _NO_ACCOUNT.search(value):
        return False
    return True if _HAS_ACCOUNT.search(value) else None


def callback_rule(step_text: str) -> DocDraft | None:
    """A task rule for "contact the customer after the call", so the call-back is not lost."""
    if not _CONTACT_AFTER.search(step_text):
        return None
    return DocDraft("task", step_text, task_title=step_text.rstrip("."))


def merge_rules(drafts: list[DocDraft]) -> list[DocDraft]:
    """Stage entries joined to their lead rule (one is made when the stage stands alone)."""
    rules = [d for d in drafts if d.record != "stage"]
    for stage in (d for d in drafts if d.record == "stage"):
        lead = next((r for r in rules if r.record == "lead" and r.stage is None), None)
        if lead is None:
            rules.append(DocDraft("lead", stage.source, stage=stage.stage))
        else:
            lead.stage = stage.stage
            lead.source = f"{lead.source} / {stage.source}"
    return rules


def conversion_question(drafts: list[DocDraft]) -> str | None:
    """ "Did the caller convert to X?" when a rule depends on it, in the document's words."""
    for draft in drafts:
        if draft.converted is None:
            continue
        match = _CONVERSION.search(draft.source)
        if match is None:
            return "Did the caller convert during the call?"
        return f"Did the caller convert to {match.group('what')}{match.group('when') or ''}?"
    return None


def to_rule(draft: DocDraft) -> DocumentationRule:
    record: Record = "lead" if draft.record == "stage" else draft.record
    task = None
    if record == "task":
        title = draft.task_title or "Follow up this call"
        task = FollowUpTask(title=title, due=CALLBACK_DUE, assign_to_agent=True)
    return DocumentationRule(
        record=record,
        when=Condition(converted=draft.converted, has_account=draft.has_account),
        stage=draft.stage,
        content=draft.content,
        task=task,
        source=draft.source,
    )
