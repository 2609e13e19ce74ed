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

The calls come grouped: every wrapped-up call stores what it did as a pattern shared with the
calls that did the same (desk.patterns), so this counts patterns, not calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from sopdesk.desk.patterns import ElementUse
from sopdesk.reports.stats import share
from sopdesk.reports.traceability import SopSentence, Traceability

EXAMPLES = 3

CallKey = tuple[datetime, int]  # (rang at, id): the order calls are listed in


@dataclass(frozen=True)
class PatternCalls:
    """The calls of the range one agent wrapped up doing the same with their playbook."""

    uses: tuple[ElementUse, ...]
    agent_name: str
    calls: int
    first: CallKey
    latest: tuple[CallKey, ...]  # up to EXAMPLES, the latest last


@dataclass(frozen=True)
class RefusalCount:
    """Refused wrap-ups of wrapped-up calls on one line, naming one missing item, by what the
    calls did (their pattern's rules decide which documentation rule a code belongs to)."""

    uses: tuple[ElementUse, ...]
    line_id: str
    scenario: str | None
    place: str
    code: str
    times: int


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


def _refusals(refusals: Sequence[RefusalCount]) -> dict[str, int]:
    """Element path -> how many refused wrap-ups named it (a documentation rule by the codes
    of what it could not yet write: `outcome_unknown` for a lead owed only when not converted)."""
    counts: dict[str, int] = defaultdict(int)
    for r in refusals:
        if r.scenario:
            counts[f"scenarios[id={r.scenario}].fields[id={r.place}]"] += r.times
            counts[f"scenarios[id={r.scenario}].steps[id={r.place}]"] += r.times
        else:
            counts[f"lines[id={r.line_id}].steps[id={r.place}]"] += r.times
        for rule in r.uses:
            if rule.kind == "rule" and r.code in rule.refused_as:
                counts[element_path(rule)] += r.times
    return counts


@dataclass
class _Seen:
    """One element's uses so far: the earliest group's use names it."""

    first: CallKey
    use: ElementUse
    groups: list[tuple[PatternCalls, ElementUse]]


def _examples(groups: Sequence[PatternCalls]) -> list[int]:
    latest = sorted(k for g in groups for k in g.latest)
    return [call_id for _, call_id in latest[-EXAMPLES:]]


def adherence(
    groups: Sequence[PatternCalls], refusals: Sequence[RefusalCount], trace: Traceability
) -> AdherenceReport:
    seen: dict[str, _Seen] = {}
    for group in groups:
        for use in group.uses:
            if use.status not in ("done", "skipped"):
                continue
            entry = seen.setdefault(element_path(use), _Seen(group.first, use, []))
            if group.first < entry.first:
                entry.first, entry.use = group.first, use
            entry.groups.append((group, use))
    counted = _refusals(refusals)
    elements, agents = [], []
    for path, entry in sorted(seen.items()):
        first = entry.use
        done = [g for g, u in entry.groups if u.status == "done"]
        skipped = [g for g, u in entry.groups if u.status == "skipped"]
        reached = sum(g.calls for g, _ in entry.groups)
        n_done = sum(g.calls for g in done)
        elements.append(
            ElementAdherence(
                path=path,
                label=f"{first.owner} · {_name(first)}",
                kind=first.kind,
                owner=first.owner,
                element=first.element,
                text=first.text,
                reached=reached,
                done=n_done,
                skipped=sum(g.calls for g in skipped),
                refused=counted.get(path, 0),
                done_share=share(n_done, reached),
                sop=_sentences(trace, first),
                skipped_calls=_examples(skipped),
                done_calls=_examples(done),
            )
        )
        agents += _by_agent(path, entry.groups)
    # Most skipped first: that is where the SOP is not followed.
    elements.sort(key=lambda e: (-e.skipped, -e.refused, e.path))
    top = elements[0] if elements and elements[0].skipped else None
    summary = AdherenceSummary(
        calls=sum(g.calls for g in groups),
        elements=len(elements),
        skipped=sum(e.skipped for e in elements),
        refused=sum(e.refused for e in elements),
        most_skipped=f"{top.owner}: {top.text}" if top else None,
    )
    return AdherenceReport(summary=summary, elements=elements, by_agent=agents)


def _by_agent(path: str, seen: list[tuple[PatternCalls, ElementUse]]) -> list[AgentAdherence]:
    groups: dict[str, list[tuple[PatternCalls, ElementUse]]] = defaultdict(list)
    for group, use in seen:
        groups[group.agent_name].append((group, use))
    return [
        AgentAdherence(
            path=path,
            agent_name=name,
            reached=sum(g.calls for g, _ in rows),
            done=sum(g.calls for g, u in rows if u.status == "done"),
            skipped=sum(g.calls for g, u in rows if u.status == "skipped"),
        )
        for name, rows in sorted(groups.items())
    ]
