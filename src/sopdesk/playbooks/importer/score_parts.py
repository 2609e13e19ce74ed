"""Category comparisons for `score`: each pairs reference and draft elements by content.

Pure. Ids never decide a match: they are authored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.playbooks.importer.score_match import (
    NAME_THRESHOLD,
    STEP_THRESHOLD,
    Marks,
    Tally,
    digits,
    greedy,
    norm,
    similarity,
    tokens,
)
from sopdesk.playbooks.importer.text import word_set
from sopdesk.playbooks.language.loader import PathKey
from sopdesk.playbooks.language.schema import IntakeField, Line, Playbook, Schedule

_LINE_AFFINITY = 0.7
_FIELD_OVERLAP = 0.5
_FILLER = word_set("the a an of and or so can to what is about all their your")


@dataclass(frozen=True)
class Comparison:
    """The draft and the reference, with the reference's assumption marks."""

    draft: Playbook
    ref: Playbook
    marks: Marks
    tally: Tally

    def add(self, category: str, matched: bool, paths: list[PathKey], what: str) -> None:
        self.tally.add(category, matched, self.marks.any(paths), what)


def line_affinity(r: Line, d: Line) -> float:
    """How surely two lines are the same: a shared label is certain; fallbacks pair together."""
    if r.fallback or d.fallback:
        return 1.0 if r.fallback and d.fallback else 0.0
    if {norm(x) for x in r.labels} & {norm(x) for x in d.labels}:
        return 1.0
    shared_number = {digits(x) for x in r.numbers} & {digits(x) for x in d.numbers}
    if shared_number and not (r.labels and d.labels):
        return 0.9
    return 0.9 * similarity(r.name, d.name)


def _lines(pair: Comparison) -> None:
    pairs = greedy(pair.ref.lines, pair.draft.lines, line_affinity, _LINE_AFFINITY)
    for i, line in enumerate(pair.ref.lines):
        at: PathKey = ("lines", i)
        other = pair.draft.lines[pairs[i]] if i in pairs else None
        pair.add("lines", other is not None, [at], f"line {line.name}")
        _line_parts(pair, line, other, at)


def _line_parts(pair: Comparison, line: Line, other: Line | None, at: PathKey) -> None:
    labels = {norm(x) for x in other.labels} if other else set()
    for k, label in enumerate(line.labels):
        pair.add("labels", norm(label) in labels, [(*at, "labels", k)], label)
    numbers = {digits(x) for x in other.numbers} if other else set()
    for k, number in enumerate(line.numbers):
        pair.add("numbers", digits(number) in numbers, [(*at, "numbers", k)], number)
    same = other is not None and _urgency(pair.ref, line) == _urgency(pair.draft, other)
    pair.add("urgencies", same, [(*at, "urgency")], f"{line.name}: {line.urgency}")
    greeting = (*at, "greeting")
    pair.add(
        "greetings",
        other is not None and _greets_alike(line, other),
        [greeting, (*greeting, "template"), (*greeting, "mode")],
        f"{line.name}: {line.greeting.mode.value} {line.greeting.template or ''}",
    )
    drafted_steps = [s.text for s in other.steps] if other else []
    _texts(pair, "steps", [s.text for s in line.steps], drafted_steps, (*at, "steps"))
    _texts(pair, "advice", line.advice, other.advice if other else [], (*at, "advice"))
    _documentation(pair, line, other, at)


def _urgency(playbook: Playbook, line: Line) -> str:
    found = next((u for u in playbook.urgencies if u.id == line.urgency), None)
    return norm(found.name if found else line.urgency)


def _greets_alike(a: Line, b: Line) -> bool:
    same_template = norm(a.greeting.template) == norm(b.greeting.template)
    return a.greeting.mode == b.greeting.mode and same_template


def _texts(
    pair: Comparison, category: str, refs: list[str], drafts: list[str], at: PathKey
) -> None:
    """Reference texts matched one-to-one to draft texts at token-set similarity >= 0.8."""
    matched = greedy(refs, drafts, similarity, STEP_THRESHOLD)
    for k, text in enumerate(refs):
        pair.add(category, k in matched, [at, (*at, k)], text)


def _documentation(pair: Comparison, line: Line, other: Line | None, at: PathKey) -> None:
    def key(book: Playbook, li: Line, index: int) -> tuple[object, ...]:
        rule = li.documentation[index]
        scenario = book.scenario(rule.when.scenario or "")
        named = scenario.name if scenario else rule.when.scenario
        return (rule.record, rule.when.converted, rule.when.has_account, named, norm(rule.stage))

    refs = [key(pair.ref, line, k) for k in range(len(line.documentation))]
    drafts = [key(pair.draft, other, k) for k in range(len(other.documentation))] if other else []
    matched = greedy(refs, drafts, lambda a, b: float(a == b), 1.0)
    for k, rule in enumerate(line.documentation):
        paths: list[PathKey] = [(*at, "documentation"), (*at, "documentation", k)]
        pair.add("documentation", k in matched, paths, f"{line.name}: {rule.record}")


def fields_alike(a: IntakeField, b: IntakeField) -> float:
    """Same type, and labels sharing at least half the content words of the shorter one."""
    if a.type != b.type:
        return 0.0
    ta, tb = set(tokens(a.label)) - _FILLER, set(tokens(b.label)) - _FILLER
    if not ta or not tb:
        return _FIELD_OVERLAP
    overlap = len(ta & tb) / min(len(ta), len(tb))
    return overlap if overlap >= _FIELD_OVERLAP else 0.0


def _fields(
    pair: Comparison, refs: list[IntakeField], drafts: list[IntakeField], at: PathKey
) -> None:
    matched = greedy(refs, drafts, fields_alike, _FIELD_OVERLAP)
    for k, item in enumerate(refs):
        paths: list[PathKey] = [(*at, "fields"), (*at, "fields", k)]
        pair.add("fields", k in matched, paths, f"{item.label} ({item.type.value})")


def _team_name(playbook: Playbook, team_id: str | None) -> str:
    team = playbook.team(team_id or "")
    return norm(team.name if team else team_id)


def _scenarios(pair: Comparison) -> None:
    refs, drafts = pair.ref.scenarios, pair.draft.scenarios
    pairs = greedy(refs, drafts, lambda a, b: similarity(a.name, b.name), NAME_THRESHOLD)
    for i, scenario in enumerate(refs):
        at: PathKey = ("scenarios", i)
        other = drafts[pairs[i]] if i in pairs else None
        pair.add("scenarios", other is not None, [at], scenario.name)
        drafted_steps = [s.text for s in other.steps] if other else []
        _texts(pair, "steps", [s.text for s in scenario.steps], drafted_steps, (*at, "steps"))
        _fields(pair, scenario.fields, other.fields if other else [], at)
        if scenario.handoff is not None:
            team = _team_name(pair.ref, scenario.handoff.team)
            theirs = other.handoff if other else None
            same = theirs is not None and team == _team_name(pair.draft, theirs.team)
            paths: list[PathKey] = [(*at, "handoff"), (*at, "handoff", "team")]
            pair.add("handoffs", same, paths, f"{scenario.name}: {team}")


def _policies(pair: Comparison) -> None:
    def teams(book: Playbook, ids: list[str]) -> frozenset[str]:
        return frozenset(_team_name(book, t) for t in ids)

    refs = [teams(pair.ref, p.teams) for p in pair.ref.policies]
    drafts = [teams(pair.draft, p.teams) for p in pair.draft.policies]
    pairs = greedy(refs, drafts, lambda a, b: len(a & b) / len(a | b), 0.5)
    for i, policy in enumerate(pair.ref.policies):
        at: PathKey = ("policies", i)
        other = pair.draft.policies[pairs[i]] if i in pairs else None
        rules = (policy.channel, sorted(policy.preconditions))
        same = other is not None and rules == (other.channel, sorted(other.preconditions))
        pair.add("policies", same, [at], policy.name)
        drafted_steps = [s.text for s in other.steps] if other else []
        _texts(pair, "steps", [s.text for s in policy.steps], drafted_steps, (*at, "steps"))
        if policy.sla is not None:
            clock = (policy.sla.within, policy.channel, sorted(policy.forbidden_channels))
            theirs = None
            if other is not None and other.sla is not None:
                theirs = (other.sla.within, other.channel, sorted(other.forbidden_channels))
            paths: list[PathKey] = [(*at, "sla"), (*at, "sla", "within")]
            pair.add("sla", clock == theirs, paths, f"{policy.name}: {policy.sla.within}")


def _ticket_categories(pair: Comparison) -> None:
    refs, drafts = pair.ref.ticket_categories, pair.draft.ticket_categories
    pairs = greedy(refs, drafts, lambda a, b: similarity(a.name, b.name), NAME_THRESHOLD)
    for i, category in enumerate(refs):
        at: PathKey = ("ticket_categories", i)
        other = drafts[pairs[i]] if i in pairs else None
        team = _team_name(pair.ref, category.team)
        same = other is not None and team == _team_name(pair.draft, other.team)
        pair.add("ticket_categories", same, [at], category.name)
        _fields(pair, category.fields, other.fields if other else [], at)


def _schedule_key(book: Playbook, schedule: Schedule) -> tuple[object, ...]:
    when: tuple[object, ...]
    if schedule.kind == "weekly_cycle":
        when = (schedule.submit_by, schedule.initiated_on, schedule.completed_on)
    else:
        when = (tuple(sorted(schedule.weekdays)), schedule.last_day_of_month)
    return (schedule.kind, when, _team_name(book, schedule.team))


def _schedules(pair: Comparison) -> None:
    refs = [_schedule_key(pair.ref, s) for s in pair.ref.schedules]
    drafts = [_schedule_key(pair.draft, s) for s in pair.draft.schedules]
    matched = greedy(refs, drafts, lambda a, b: float(a == b), 1.0)
    for i, schedule in enumerate(pair.ref.schedules):
        pair.add("schedules", i in matched, [("schedules", i)], schedule.name)


def compare_all(pair: Comparison) -> None:
    """Tally every category of the reference against the draft."""
    _lines(pair)
    _scenarios(pair)
    _policies(pair)
    _ticket_categories(pair)
    _schedules(pair)
