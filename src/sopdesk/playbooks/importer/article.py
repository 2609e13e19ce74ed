"""Escalation policies from a knowledge-base article: who is asked for, by which channel only,
which channels are forbidden, what must be tried first, and how fast the team answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sopdesk.playbooks.importer.branches import (
    add_after,
    branch_steps,
    caller_word,
    condition_of,
    promise_step,
)
from sopdesk.playbooks.importer.lines import item_role
from sopdesk.playbooks.importer.org import team_names
from sopdesk.playbooks.importer.quick import place_quick_answer
from sopdesk.playbooks.importer.reader import Item
from sopdesk.playbooks.importer.steps import StepDraft, starts_with_verb, step_from
from sopdesk.playbooks.importer.text import clean, find_duration, sentence_case, sentences
from sopdesk.playbooks.importer.vocab import Role
from sopdesk.playbooks.language.schema import Channel

Precondition = Literal["faq_tried", "identity_verified", "customer_unsatisfied"]
MeasuredFrom = Literal["email_received", "ticket_created", "call_ended"]

_CHANNELS: tuple[tuple[Channel, re.Pattern[str]], ...] = (
    (Channel.EMAIL, re.compile(r"\be-?mail", re.I)),
    (Channel.PHONE, re.compile(r"\b(?:phone|telephone)\b|\bcalls\b", re.I)),
    (Channel.CHAT, re.compile(r"\bchat\b", re.I)),
    (Channel.TICKET, re.compile(r"\btickets?\b", re.I)),
)
_FORBID = re.compile(
    r"\b(?:not permitted|not allowed|never|prohibited|forbidden|must not|may not|cannot|"
    r"can't|do not|don't)\b",
    re.I,
)
_ALLOW = re.compile(
    r"\bonly\b|\bvia\b|\bby\b|\ballowed\b|\bask (?:them|the \w+) to\b|\brequest\b", re.I
)
_CLAUSE = re.compile(r"[;\u2014]|\s[-\u2013]\s|,\s(?:but|while|and)\s")
_PRECONDITIONS: tuple[tuple[Precondition, re.Pattern[str]], ...] = (
    ("faq_tried", re.compile(r"\bfaqs?\b|\bknowledge base\b|\bhelp (?:center|centre)\b", re.I)),
    ("identity_verified", re.compile(r"\b(?:verify|validate|confirm)\b.*\bidentity\b", re.I)),
    (
        "customer_unsatisfied",
        re.compile(
            r"\b(?:unsatisfied|dissatisfied|not satisfied|unhappy|unresolved|still wish)", re.I
        ),
    ),
)
_MEASURED: tuple[tuple[MeasuredFrom, re.Pattern[str]], ...] = (
    (
        "email_received",
        re.compile(r"\breceiv\w*\s+(?:the|their|an?)\s+e-?mail|e-?mail is received|receipt", re.I),
    ),
    ("ticket_created", re.compile(r"\bticket\b.*\b(?:created|raised|opened)\b", re.I)),
    ("call_ended", re.compile(r"\bafter the call\b|\bcall end", re.I)),
)
_ASKED_TO = re.compile(r"\b(?:ask|request)\s+(?:them|the\s+\w+)\s+to\s+(?P<what>[^.]+)", re.I)
_AGENT = re.compile(r"\b(?:the agent|agents|you)\s+(?:must|should|will|can|need)\b", re.I)


@dataclass
class PolicyDraft:
    teams: list[str]
    title: str
    trigger: str
    channel: Channel
    forbidden: list[Channel]
    preconditions: list[Precondition]
    tell_caller: str
    agent_steps: list[StepDraft] = field(default_factory=list)
    team_steps: list[StepDraft] = field(default_factory=list)
    within: timedelta | None = None
    measured_from: MeasuredFrom = "email_received"
    used: set[int] = field(default_factory=set)


def extract_policy(items: list[Item]) -> PolicyDraft | None:
    """The escalation policy of the document's main article, when it states one."""
    main = _main_article(items)
    text = " ".join(item.text for item in main)
    teams = team_names(text)
    duration = find_duration(text)
    allowed, forbidden = _channels(text)
    if not teams or not (duration or forbidden or allowed):
        return None
    trigger, trigger_lines = _trigger(main, teams)
    channel = allowed[0] if allowed else Channel.EMAIL if "mail" in text.lower() else Channel.TICKET
    draft = PolicyDraft(
        teams=teams,
        title=main[0].text if main else "",
        trigger=trigger,
        channel=channel,
        forbidden=[c for c in forbidden if c is not channel],
        preconditions=[name for name, pattern in _PRECONDITIONS if pattern.search(text)],
        tell_caller=_tell_caller(text, channel, teams, duration),
        within=duration[0] if duration else None,
        measured_from=_measured_from(text, channel),
    )
    _read_steps(main, draft)
    draft.used |= trigger_lines | {item.line for item in main if _informs(item, teams)}
    return draft


def _main_article(items: list[Item]) -> list[Item]:
    """Items before any "Related articles" heading: the article the document is about."""
    for index, item in enumerate(items):
        if item_role(item) is Role.RELATED:
            return items[:index]
    return items


def _channels(text: str) -> tuple[list[Channel], list[Channel]]:
    allowed: list[Channel] = []
    forbidden: list[Channel] = []
    for sentence in sentences(text):
        for clause in _CLAUSE.split(sentence):
            named = [c for c, pattern in _CHANNELS if pattern.search(clause)]
            if _FORBID.search(clause):
                forbidden.extend(c for c in named if c not in forbidden)
            elif _ALLOW.search(clause):
                allowed.extend(c for c in named if c not in allowed)
    return [c for c in allowed if c not in forbidden], forbidden


def _measured_from(text: str, channel: Channel) -> MeasuredFrom:
    for name, pattern in _MEASURED:
        if pattern.search(text):
            return name
    return "email_received" if channel is Channel.EMAIL else "ticket_created"


def _trigger(main: list[Item], teams: list[str]) -> tuple[str, set[int]]:
    """When the policy applies: the "when to use" answer, plus overview lines naming its teams.

    Also returns the source lines it was read from.
    """
    parts: list[Item] = []
    section: Role | None = None
    for item in main[1:]:
        role = item_role(item)
        if role is not None:
            section = role
            if item.key is not None and item.value and role is Role.WHEN_TO_USE:
                parts.append(item)
        elif section is Role.WHEN_TO_USE or (
            section is Role.PROSE and any(team in item.text for team in teams)
        ):
            parts.append(item)
    if parts:
        text = " ".join(sentence_case(p.value if p.key else p.text) for p in parts)
        return text, {p.line for p in parts}
    if main:
        return sentence_case(main[0].text), {main[0].line}
    return f"A request for the {' or '.join(teams)} team.", set()


def _tell_caller(
    text: str, channel: Channel, teams: list[str], duration: tuple[timedelta, str] | None
) -> str:
    match = _ASKED_TO.search(text)
    if match:
        said = re.sub(r"\btheir\b", "your", re.sub(r"\bthem\b", "you", match.group("what")))
        return sentence_case(f"please {said}")
    within = f" {duration[1]}" if duration else ""
    return (
        f"Please contact the {' or '.join(teams)} team by {channel.value}; they will reply{within}."
    )


def _read_steps(main: list[Item], draft: PolicyDraft) -> None:
    """Numbered or bulleted steps: the agent's part goes on the line, the team's on the policy.

    A conditional step becomes a check and its action; what the team will do is told to the
    caller; a quick-answer rule on channels that no step states joins the step using the channel.
    """
    in_steps = False
    for item in main:
        role = item_role(item)
        if role is not None:
            in_steps = role is Role.STEPS
            continue
        if in_steps and item.listed:
            text = item.text
            if _AGENT.search(text) or starts_with_verb(text) or condition_of(text):
                draft.agent_steps.extend(branch_steps(text, item.line))
            else:
                draft.team_steps.append(step_from(text, item.line))
            draft.used.add(item.line)
        elif item.heading:
            in_steps = False
    if not draft.agent_steps:
        return
    text = " ".join(item.text for item in main)
    promise = promise_step(draft.team_steps, caller_word(text))
    if promise is not None:
        add_after(draft.agent_steps, promise)
    channel = dict(_CHANNELS)[draft.channel]
    draft.used |= place_quick_answer(main, draft.agent_steps, _restricts, channel)


def _restricts(text: str) -> bool:
    """Whether `text` forbids a channel or allows only one."""
    named = any(pattern.search(text) for _, pattern in _CHANNELS)
    return named and bool(_FORBID.search(text) or re.search(r"\bonly\b", text, re.I))


def _informs(item: Item, teams: list[str]) -> bool:
    """Whether an item fed the policy: it names its teams, a channel rule or a precondition."""
    text = clean(item.text)
    if any(team in text for team in teams) or find_duration(text):
        return True
    return any(pattern.search(text) for _, pattern in _PRECONDITIONS) or bool(
        _FORBID.search(text) and any(p.search(text) for _, p in _CHANNELS)
    )
