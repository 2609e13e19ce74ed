"""Adherence by SOP sentence (pure): for each playbook step, scenario step, scenario field and
documentation rule,
how often wrapped-up calls reached it, did it or skipped it, how often a wrap-up was refused
for it, on which lines and by whom, with the SOP sentences behind it (the traceability table)
and example calls.

*Reached*: on the call's path (a line's steps after the branches taken; a scenario's steps and
fields once the scenario was opened; a documentation rule whose condition held). *Skipped*:
reached and not done, and the wrap-up accepted all the same (a step or field the playbook does
not require; a rule that applied is never skipped: the wrap-up refuses until its record can be
written). *Refused*: wrap-ups refused naming it. Overrides are not counted: the desk has no way
to override a wrap-up's refusal, so there are none to count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel

from sopdesk.reports.rows import AdherenceCall, ElementUse, WrapAttempt
from sopdesk.reports.stats import share
from sopdesk.reports.traceability import SopSentence, Traceability

EXAMPLES = 3


class ElementAdherence(BaseModel):
    path: str  # the playbook element, as the traceability table writes it
    label: str  # "psos · intervene"
    kind: str  # step | scenario_step | field
    owner: str  # the line or scenario
    element: str
    text: str
    reached: int
    done: int
    skipped: int
    refused: int
    done_share: float | None
    sop: list[SopSentence]
    skipped_calls: list[int]  # example calls (ids) where it was skipped
    done_calls: list[int]


class AgentAdherence(BaseModel):
    path: str
    agent_name: str
    reached: int
    done: int
    skipped: int


class AdherenceSummary(BaseModel):
    calls: int  # wrapped up in the range
    elements: int  # reached at least once
    skipped: int
    refused: int
    most_skipped: str | None  # the element skipped most often, in the playbook's words


class AdherenceReport(BaseModel):
    summary: AdherenceSummary
    elements: list[ElementAdherence]
    by_agent: list[AgentAdherence]


def _where(use: ElementUse) -> tuple[str, str]:
    """The element's list in the playbook: (`lines`, `steps`), (`scenarios`, `fields`)..."""
    group = "lines" if use.kind in ("step", "rule") else "scenarios"
    part = {"field": "fields", "rule": "documentation"}.get(use.kind, "steps")
    return group, part


def element_path(use: ElementUse) -> str:
    group, part = _where(use)
    key = use.element if use.kind == "rule" else f"id={use.element}"
    return f"{group}[id={use.owner}].{part}[{key}]"


def _name(use: ElementUse) -> str:
    """How a chart names the element: its id, or for a rule the record it owes."""
    if use.kind == "rule":
        return use.element.removeprefix("record=").replace("_", " ") + " record"
    return use.element


def _sentences(trace: Traceability, use: ElementUse) -> list[SopSentence]:
    group, part = _where(use)
    # A row may name the whole list (`scenarios[id=crypto].fields`) rather than one item.
    return trace.sentences(element_path(use)) or trace.sentences(f"{group}[id={use.owner}].{part}")


def _refusals(calls: Sequence[AdherenceCall], attempts: Sequence[WrapAttempt]) -> dict[str, int]:
    """Element path -> how many refused wrap-ups named it (a documentation rule by the codes
    of what it could not yet write: `outcome_unknown` for a lead owed only when not converted)."""
    lines = {c.id: c.line_id for c in calls}
    rules = {c.id: [u for u in c.uses if u.kind == "rule"] for c in calls}
    counts: dict[str, int] = defaultdict(int)
    for a in attempts:
        for m in a.missing:
            if m.scenario:
                counts[f"scenarios[id={m.scenario}].fields[id={m.place}]"] += 1
                counts[f"scenarios[id={m.scenario}].steps[id={m.place}]"] += 1
            elif a.interaction_id in lines:
                counts[f"lines[id={lines[a.interaction_id]}].steps[id={m.place}]"] += 1
            for rule in rules.get(a.interaction_id, []):
                if m.code in rule.refused_as:
                    counts[element_path(rule)] += 1
    return counts


def adherence(
    calls: Sequence[AdherenceCall], attempts: Sequence[WrapAttempt], trace: Traceability
) -> AdherenceReport:
    uses: dict[str, list[tuple[AdherenceCall, ElementUse]]] = defaultdict(list)
    for call in calls:
        for use in call.uses:
            if use.status in ("done", "skipped"):
                uses[element_path(use)].append((call, use))
    refusals = _refusals(calls, attempts)
    elements, agents = [], []
    for path, seen in sorted(uses.items()):
        first = seen[0][1]
        done = [c.id for c, u in seen if u.status == "done"]
        skipped = [c.id for c, u in seen if u.status == "skipped"]
        elements.append(
            ElementAdherence(
                path=path,
                label=f"{first.owner} · {_name(first)}",
                kind=first.kind,
                owner=first.owner,
                element=first.element,
                text=first.text,
                reached=len(seen),
                done=len(done),
                skipped=len(skipped),
                refused=refusals.get(path, 0),
                done_share=share(len(done), len(seen)),
                sop=_sentences(trace, first),
                skipped_calls=skipped[-EXAMPLES:],
                done_calls=done[-EXAMPLES:],
            )
        )
        agents += _by_agent(path, seen)
    # Most skipped first: that is where the SOP is not followed.
    elements.sort(key=lambda e: (-e.skipped, -e.refused, e.path))
    top = elements[0] if elements and elements[0].skipped else None
    summary = AdherenceSummary(
        calls=len(calls),
        elements=len(elements),
        skipped=sum(e.skipped for e in elements),
        refused=sum(e.refused for e in elements),
        most_skipped=f"{top.owner}: {top.text}" if top else None,
    )
    return AdherenceReport(summary=summary, elements=elements, by_agent=agents)


def _by_agent(path: str, seen: list[tuple[AdherenceCall, ElementUse]]) -> list[AgentAdherence]:
    groups: dict[str, list[ElementUse]] = defaultdict(list)
    for call, use in seen:
        groups[call.agent_name].append(use)
    return [
        AgentAdherence(
            path=path,
            agent_name=name,
            reached=len(rows),
            done=sum(1 for u in rows if u.status == "done"),
            skipped=sum(1 for u in rows if u.status == "skipped"),
        )
        for name, rows in sorted(groups.items())
    ]
