"""Phone lines: a "Condition" naming what the agent sees, or a heading with a phone number,
opens a line; Urgency / Greeting / Handling / Documentation / advice entries fill it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sopdesk.playbooks.importer.docs import (
    DocDraft,
    callback_rule,
    conversion_question,
    merge_rules,
    read_rule,
    to_rule,
)
from sopdesk.playbooks.importer.greeting import parse_greeting
from sopdesk.playbooks.importer.reader import Item
from sopdesk.playbooks.importer.steps import StepDraft, make_steps, step_from, steps_from_prose
from sopdesk.playbooks.importer.text import (
    clean,
    label_case,
    phone_numbers,
    quoted,
    sentence_case,
    without_numbers,
)
from sopdesk.playbooks.importer.vocab import Role, role_of
from sopdesk.playbooks.language.schema import Choice, Greeting, Line

_SEES_LABEL = re.compile(r"\bbefore (?:answering|they answer|you answer|picking up)\b", re.I)
_MAX_HEADING_WORDS = 16
_LINE_ROLES = frozenset(
    {Role.PROCEDURE, Role.URGENCY, Role.GREETING, Role.HANDLING, Role.DOCUMENTATION, Role.ADVICE}
)
_SECTION_ENDS = frozenset(
    {Role.SCENARIOS, Role.RELATED, Role.PROSE, Role.QUICK_ANSWER, Role.WHEN_TO_USE, Role.STEPS}
)


@dataclass
class LineDraft:
    """A line as read so far; urgency is the document's word, not yet an id."""

    name: str
    labels: list[str]
    numbers: list[str]
    source: int
    urgency: str | None = None
    greeting: Greeting | None = None
    steps: list[StepDraft] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    docs: list[DocDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class LinesFound:
    lines: list[LineDraft]
    used: set[int]


def extract_lines(items: list[Item], org_name: str) -> LinesFound:
    """Every line the document describes, and the source lines that described them."""
    walker = _Walker(org_name)
    for item in items:
        walker.feed(item)
    walker.close()
    return LinesFound(walker.lines, walker.used)


def item_role(item: Item) -> Role | None:
    if item.key is not None:
        return role_of(item.key)
    return role_of(item.text) if item.heading else None


class _Walker:
    """Reads items in order; keeps the open line and which part of it is being filled."""

    def __init__(self, org_name: str) -> None:
        self.org_name = org_name
        self.lines: list[LineDraft] = []
        self.used: set[int] = set()
        self.current: LineDraft | None = None
        self.mode: Role | None = None
        self.numbers: list[str] = []
        self.heading: str | None = None

    def feed(self, item: Item) -> None:
        role = item_role(item)
        numbers = _heading_numbers(item)
        if numbers:
            self.close()
            self.numbers, self.heading = numbers, without_numbers(item.text, numbers)
            self.used.add(item.line)
        elif role is Role.CONDITION or (not item.key and _SEES_LABEL.search(item.text)):
            self._open(item, quoted(item.value))
        elif self.current is not None:
            self._within(self.current, item, role)
        elif item.heading and role is None:
            self.heading, self.numbers = item.text.strip(" :"), []
        elif item.key and role in _LINE_ROLES:
            # Procedure entries with no "Condition" before them still describe a line.
            self._open(item, [])
            assert self.current is not None
            self._within(self.current, item, role)

    def _open(self, item: Item, labels: list[str]) -> None:
        self.close()
        numbers = self.numbers + [n for n in phone_numbers(item.value) if n not in self.numbers]
        self.current = LineDraft(self._name(labels), labels, numbers, item.line)
        self.heading = None  # a heading names the first line under it, not the next ones
        self.mode = None
        self.used.add(item.line)

    def _name(self, labels: list[str]) -> str:
        if self.heading:
            return label_case(self.heading)
        for label in labels:
            bare = (
                clean(re.sub(rf"\b{re.escape(self.org_name)}\b", "", label))
                if self.org_name
                else label
            )
            return label_case(bare or label)
        return f"Line {len(self.lines) + 1}"

    def close(self) -> None:
        if self.current is not None:
            self.lines.append(self.current)
        self.current, self.mode = None, None

    def _within(self, line: LineDraft, item: Item, role: Role | None) -> None:
        if self.mode is Role.DOCUMENTATION and item.listed and role not in _LINE_ROLES:
            rule = read_rule(item.key, item.value, item.text)
            if rule is not None:
                line.docs.append(rule)
                self.used.add(item.line)
                return
        if role in _LINE_ROLES or role is Role.NOTE:
            self._entry(line, item, role)
        elif (item.heading and not item.listed) or role in _SECTION_ENDS:
            self.close()
            self.numbers, self.heading = [], item.text.strip(" :") if role is None else None
        elif self.mode is Role.HANDLING:
            self._steps(line, [step_from(item.value if item.key is None else item.text, item.line)])
            self.used.add(item.line)
        elif self.mode is Role.ADVICE and item.listed:
            line.advice.append(sentence_case(item.text))
            self.used.add(item.line)

    def _entry(self, line: LineDraft, item: Item, role: Role | None) -> None:
        self.used.add(item.line)
        value = item.value
        if role is Role.URGENCY:
            line.urgency = label_case(re.split(r"[.,;(]", value)[0]) or None
        elif role is Role.GREETING and value:
            line.greeting, steps = parse_greeting(value, self.org_name, item.line)
            line.steps.extend(steps)
        elif role is Role.NOTE:
            line.notes.append(sentence_case(value or item.text))
        else:
            self.mode = role
            if role is Role.HANDLING and value:
                self._steps(line, steps_from_prose(value, item.line))
            elif role is Role.DOCUMENTATION and value:
                rule = read_rule(None, value, value)
                line.docs.extend([rule] if rule else [])

    def _steps(self, line: LineDraft, steps: list[StepDraft]) -> None:
        for step in steps:
            line.steps.append(step)
            rule = callback_rule(step.text)
            if rule is not None:
                line.docs.append(rule)


def _heading_numbers(item: Item) -> list[str]:
    """Phone numbers of a heading-like item ("Front Desk (800 555 0100)")."""
    if len(item.text.split()) > _MAX_HEADING_WORDS or item.text.endswith("."):
        return []
    if item.key is not None and item.value:
        return []
    return phone_numbers(item.text)


def to_line(draft: LineDraft, line_id: str, urgency_id: str, fallback_greeting: Greeting) -> Line:
    """The playbook line for a draft: documentation merged, the conversion question added."""
    rules = merge_rules(draft.docs)
    steps = list(draft.steps)
    question = conversion_question(rules)
    if question is not None:
        stage = next((r.stage for r in rules if r.record == "lead" and r.stage), None)
        steps.append(_conversion_step(question, stage, draft.source))
    return Line(
        id=line_id,
        name=draft.name,
        labels=list(dict.fromkeys(draft.labels)),
        numbers=draft.numbers,
        urgency=urgency_id,
        greeting=draft.greeting or fallback_greeting,
        steps=make_steps(steps),
        advice=draft.advice,
        documentation=[to_rule(r) for r in rules],
        note=" ".join(draft.notes) or None,
    )


def _conversion_step(question: str, stage: str | None, source: int) -> StepDraft:
    """A closing check whose answer records conversion, which the lead rule depends on."""
    lead = f"add as a {stage} lead" if stage else "add as a lead"
    choices = [
        Choice(label="Yes, converted", goto="end", converted=True),
        Choice(label=f"No, not converted ({lead})", goto="end", converted=False),
    ]
    return StepDraft(question, source, "check", choices=choices, hint="outcome")
