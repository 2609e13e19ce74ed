"""Scenarios: a "...scenarios..." heading, then a short title per scenario over its steps.

Each step is read for the fields it collects, an identity check, and a promise that a team
will reach out (the hand-off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sopdesk.playbooks.importer.fields import FieldDraft, fields_in
from sopdesk.playbooks.importer.lines import item_role
from sopdesk.playbooks.importer.org import reach_out_team, team_id
from sopdesk.playbooks.importer.reader import Item
from sopdesk.playbooks.importer.steps import StepDraft, make_steps, step_from
from sopdesk.playbooks.importer.text import label_case, sentence_case, sentences
from sopdesk.playbooks.importer.vocab import Role
from sopdesk.playbooks.language.schema import (
    FieldType,
    FollowUpTask,
    Handoff,
    IdentityCheck,
    Scenario,
)

# When the document gives no time, a team's follow-up is due the next day.
HANDOFF_DUE = timedelta(days=1)
_IDENTITY = re.compile(r"\b(?:validate|verify|confirm|check)\b[^.]*\bidentity\b", re.I)
_WE_LL = re.compile(r"\bwe(?:'|\u2019)?ll\b.*", re.I)
_CONTACT_TYPES = (FieldType.PHONE, FieldType.EMAIL)


@dataclass
class ScenarioDraft:
    name: str
    source: int
    steps: list[StepDraft] = field(default_factory=list)
    fields: list[FieldDraft] = field(default_factory=list)
    team: str | None = None
    tell_caller: str | None = None
    identity: tuple[str, list[str]] | None = None
    note: str | None = None
    description: str | None = None
    summary: str | None = None  # the source text, when it is only a summary of the procedure


@dataclass
class ScenariosFound:
    scenarios: list[ScenarioDraft]
    used: set[int]


def extract_scenarios(items: list[Item]) -> ScenariosFound:
    """Scenarios under every heading that announces them."""
    found = ScenariosFound([], set())
    index = 0
    while index < len(items):
        item = items[index]
        if item_role(item) is Role.SCENARIOS and (item.heading or not item.value):
            found.used.add(item.line)
            index = _section(items, index + 1, found)
        else:
            index += 1
    return found


def _section(items: list[Item], index: int, found: ScenariosFound) -> int:
    """Read one scenarios section from `index`; returns where it ends."""
    section: list[ScenarioDraft] = []
    while index < len(items):
        item = items[index]
        role = item_role(item)
        if role is Role.NOTE:
            for scenario in section:
                scenario.note = sentence_case(item.value)
        elif item.listed and section:
            add_step(section[-1], item.value if item.key is None else item.text, item.line)
        elif _titles_a_list(items, index) and role is None:
            section.append(ScenarioDraft(label_case(item.text.strip(" :")), item.line))
        else:
            break
        found.used.add(item.line)
        index += 1
    found.scenarios.extend(section)
    return index


def _titles_a_list(items: list[Item], index: int) -> bool:
    item = items[index]
    following = items[index + 1] if index + 1 < len(items) else None
    short = len(item.text.split()) <= 8 and not item.text.endswith(".")
    return short and not item.listed and following is not None and following.listed


def add_step(draft: ScenarioDraft, text: str, source: int) -> None:
    """One instruction of a scenario, with what it collects, checks and promises."""
    step = step_from(text, source)
    fields = fields_in(text)
    step.collect = [f.id for f in fields]
    known = {f.id for f in draft.fields}
    draft.fields.extend(f for f in fields if f.id not in known)
    identity = _IDENTITY.search(text)
    if identity and fields and draft.identity is None:
        checked = [f.id for f in fields if f.type is FieldType.IDENTIFIER or "name" in f.id]
        said = next(s for s in sentences(text) if _IDENTITY.search(s))
        draft.identity = (sentence_case(said), checked or [f.id for f in fields])
    team = reach_out_team(text)
    if team and draft.team is None:
        draft.team = team
        draft.tell_caller = _promise(text)
    draft.steps.append(step)


def _promise(text: str) -> str:
    """What the caller is told, in the first person: "...reach out to them" -> "to you"."""
    for sentence in sentences(text):
        match = _WE_LL.search(sentence)
        if match:
            promise = re.sub(r"\bthem\b", "you", match.group(0))
            return sentence_case(re.sub(r"\btheir\b", "your", promise))
    return sentence_case(text)


def add_contact_fields(draft: ScenarioDraft) -> bool:
    """A team that will reach out needs a way to: add optional phone and email when missing.

    Returns whether fields were added (an assumption the draft's header reports).
    """
    if draft.tell_caller is None or any(f.type in _CONTACT_TYPES for f in draft.fields):
        return False
    why = f"so the {draft.team} can reach out"
    draft.fields.append(FieldDraft("phone", f"Phone number ({why})", FieldType.PHONE, False))
    draft.fields.append(FieldDraft("email", f"Email ({why})", FieldType.EMAIL, False))
    collecting = [s for s in draft.steps if s.collect] or draft.steps
    collecting[-1].collect.extend(["phone", "email"])
    return True


def to_scenario(draft: ScenarioDraft, scenario_id: str, lines: list[str] | None) -> Scenario:
    """The playbook scenario; `lines` None means every line."""
    handoff = None
    if draft.team is not None:
        team = team_id(draft.team)
        collected = {c for s in draft.steps for c in s.collect}
        requires = [f.id for f in draft.fields if f.required and f.id in collected]
        handoff = Handoff(
            team=team,
            tell_caller=draft.tell_caller or f"Our {draft.team} team will follow up.",
            requires=requires,
            task=FollowUpTask(
                title=f"{draft.team}: follow up the caller ({draft.name})",
                team=team,
                due=HANDOFF_DUE,
            ),
        )
    identity = None
    if draft.identity is not None:
        identity = IdentityCheck(instruction=draft.identity[0], fields=draft.identity[1])
    return Scenario(
        id=scenario_id,
        name=draft.name,
        lines="all" if lines is None else lines,
        description=draft.description,
        summary_only=draft.summary is not None,
        source=draft.summary,
        steps=make_steps(draft.steps),
        fields=[f.model() for f in draft.fields],
        identity_check=identity,
        handoff=handoff,
        note=draft.note,
    )
