"""Assemble a draft playbook from everything the extractors found, self-consistent for lint:
every referenced id defined, one fallback line, required fields collected.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from sopdesk.playbooks.importer import parts
from sopdesk.playbooks.importer.article import PolicyDraft, extract_policy
from sopdesk.playbooks.importer.lines import LineDraft, extract_lines, to_line
from sopdesk.playbooks.importer.options import offer_options
from sopdesk.playbooks.importer.org import Org, detect_org, team_names
from sopdesk.playbooks.importer.reader import Item, read_items
from sopdesk.playbooks.importer.related import RelatedFound, extract_related
from sopdesk.playbooks.importer.scenarios import (
    ScenarioDraft,
    add_contact_fields,
    extract_scenarios,
    to_scenario,
)
from sopdesk.playbooks.importer.steps import StepDraft, make_steps
from sopdesk.playbooks.importer.text import phone_key, slug, unique_id, word_set
from sopdesk.playbooks.language.schema import (
    DocumentationRule,
    Greeting,
    GreetingMode,
    Line,
    Playbook,
    Scenario,
)
from sopdesk.playbooks.language.schema import (
    Org as OrgModel,
)

DRAFT_VERSION = "0.1-draft"
_ID_STOP = word_set("a an the of for to and or in on by with be is are can cannot not")
_DEFAULT_SCRIPT = "Hello, this is {agent_name} at {org_name}. How can I help you?"
_UNKNOWN_LINE_STEP = (
    "No procedure in this playbook covers the line this call rang on: find out what the "
    "caller needs, help as far as you can, and report the line's label or number."
)


@dataclass(frozen=True)
class Draft:
    playbook: Playbook
    items: list[Item]
    used: set[int]
    assumptions: list[str]


@dataclass
class _Found:
    items: list[Item]
    lines: list[LineDraft]
    scenarios: list[ScenarioDraft]
    policy: PolicyDraft | None
    related: RelatedFound
    used: set[int]


def build_draft(text: str, source_name: str) -> Draft:
    """The draft playbook for a document's text; `source_name` names the org as a last resort."""
    items = read_items(text)
    title = items[0].text if items and items[0].heading else ""
    policy = extract_policy(items)
    related = extract_related(items)
    scenarios = extract_scenarios(items)
    org = detect_org(text, title, _team_words(text), _stem(source_name))
    lines = extract_lines(items, org.name)
    used = lines.used | scenarios.used | related.used | (policy.used if policy else set())
    if title:
        used.add(items[0].line)
    found = _Found(items, lines.lines, scenarios.scenarios, policy, related, used)
    found.scenarios.extend(s for s, _ in related.scenarios)
    playbook, assumptions = _assemble(found, org, text, title)
    return Draft(playbook, items, _with_headings(items, used), assumptions)


def _team_words(text: str) -> set[str]:
    return {word.lower() for name in team_names(text) for word in name.split()}


def _stem(source_name: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", source_name.replace("\\", "/").split("/")[-1])
    return stem or "org"


def _assemble(found: _Found, org: Org, text: str, title: str) -> tuple[Playbook, list[str]]:
    assumptions: list[str] = []
    urgencies, noted = parts.urgency_scale([d.urgency for d in found.lines if d.urgency])
    assumptions += noted
    teams, noted = parts.teams(_named_teams(found), text, found.policy)
    assumptions += noted
    lines, noted = _lines(found, org, {u.name: u.id for u in urgencies}, urgencies[0].id)
    assumptions += noted
    policies = [parts.policy(found.policy)] if found.policy else []
    schedules, noted = parts.schedules(found.related)
    assumptions += noted
    scenarios, categories, noted = offer_options(
        _scenarios(found, lines, assumptions), parts.categories(found.related), text
    )
    assumptions += noted
    playbook = Playbook(
        version=DRAFT_VERSION,
        org=OrgModel(id=org.id, name=org.name),
        source=title or None,
        urgencies=urgencies,
        teams=teams,
        lines=lines,
        scenarios=scenarios,
        policies=policies,
        ticket_categories=categories,
        schedules=schedules,
    )
    return playbook, assumptions + _gaps(playbook)


def _named_teams(found: _Found) -> list[str]:
    """Every team some element hands work to, in the order the document names them."""
    related = found.related
    return [
        *(s.team for s in found.scenarios if s.team),
        *(found.policy.teams if found.policy else []),
        *(c.team for c in related.categories),
        *(c.team for c in related.cycles),
        *(r.team for r in related.reminders),
    ]


def _gaps(playbook: Playbook) -> list[str]:
    """What the document leaves out that lint will ask for: say so rather than invent it."""
    gaps = [
        f"gap: lead rule of line {line.id} has no stage; the document names none"
        for line in playbook.lines
        for rule in line.documentation
        if rule.record == "lead" and not rule.stage
    ]
    for policy in playbook.policies:
        for team_id in policy.teams:
            team = playbook.team(team_id)
            if policy.channel.value == "email" and team is not None and not team.email:
                gaps.append(f"gap: team {team.name} has no email address in the document")
    return gaps


def _lines(
    found: _Found, org: Org, urgency_ids: dict[str, str], calmest: str
) -> tuple[list[Line], list[str]]:
    assumptions: list[str] = []
    taken: set[str] = set()
    default = Greeting(mode=GreetingMode.SPOKEN, template=_DEFAULT_SCRIPT)
    built = []
    for draft in found.lines:
        base = slug(_bare(draft.labels[0], org.name) if draft.labels else draft.name, "line")
        if draft.greeting is None:
            assumptions.append(f"line {draft.name}: no greeting given; a neutral one is used")
        urgency = urgency_ids.get(draft.urgency or "", calmest)
        built.append(to_line(draft, unique_id(base, taken), urgency, default))
    built, noted = _recognisable(built)
    assumptions += noted
    if built or found.scenarios or found.policy:
        fallback = _fallback(found, built, unique_id("unrecognised", taken), calmest)
        assumptions.append(
            f"line {fallback.id}: a fallback line, so calls no described line matches still ring"
        )
        if fallback.greeting.template == _DEFAULT_SCRIPT:
            assumptions.append(f"line {fallback.id}: no greeting given; a neutral one is used")
        built.append(fallback)
    return built, assumptions


def _recognisable(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """Every line can ring and be told apart: labels unique, each number once per line, and
    a line with no label (and no number, or a shared one) labelled with its name."""
    notes: list[str] = []
    seen: set[str] = set()
    uses = Counter(d for line in lines for d in {phone_key(n) for n in line.numbers})
    out = []
    for line in lines:
        labels = [label for label in line.labels if label.casefold() not in seen]
        if len(labels) < len(line.labels):
            notes.append(f"line {line.id}: dropped a label an earlier line already has")
        numbers = list({phone_key(n): n for n in reversed(line.numbers)}.values())[::-1]
        shared = any(uses[phone_key(n)] > 1 for n in numbers)
        if not labels and (shared or not numbers) and line.name.casefold() not in seen:
            labels = [line.name]
            notes.append(f"line {line.id}: the document gives no label; its name is used")
        seen |= {label.casefold() for label in labels}
        out.append(line.model_copy(update={"labels": labels, "numbers": numbers}))
    return out, notes


def _bare(label: str, org_name: str) -> str:
    return re.sub(rf"\b{re.escape(org_name)}\b", "", label).strip() or label


def _fallback(found: _Found, lines: list[Line], line_id: str, urgency: str) -> Line:
    spoken = [li.greeting for li in lines if li.greeting.mode is GreetingMode.SPOKEN]
    greeting = spoken[0] if spoken else Greeting(template=_DEFAULT_SCRIPT)
    agent_steps = found.policy.agent_steps if found.policy and not lines else []
    steps = agent_steps or [StepDraft(_UNKNOWN_LINE_STEP, 0, "ask", hint="identify")]
    return Line(
        id=line_id,
        name="Unrecognised line" if lines else "All calls",
        urgency=urgency,
        greeting=greeting,
        steps=make_steps(steps),
        documentation=[DocumentationRule(record="call_log")],
        policies=[parts.policy(found.policy).id] if found.policy else [],
        fallback=True,
        note="Added by the importer: the document describes no line for these calls.",
    )


def _scenarios(found: _Found, lines: list[Line], assumptions: list[str]) -> list[Scenario]:
    described = [li.id for li in lines if not li.fallback] or [li.id for li in lines]
    taken: set[str] = set()
    built = []
    for draft in found.scenarios:
        if add_contact_fields(draft):
            assumptions.append(
                f"scenario {draft.name}: optional phone and email so {draft.team} can reach out"
            )
        base = _scenario_id(draft.name)
        built.append(to_scenario(draft, unique_id(base, taken), described or None))
    return built


def _scenario_id(name: str) -> str:
    bare = re.sub(r"['\u2019]s\b", "", name.lower())
    content = [w for w in re.findall(r"[a-z0-9]+", bare) if w not in _ID_STOP]
    return slug(" ".join(content) or name, "scenario", 3)


def _with_headings(items: list[Item], used: set[int]) -> set[int]:
    """A heading counts as placed when what it introduces was placed."""
    placed = set(used)
    for item, following in pairwise(items):
        if item.heading and following.line in used:
            placed.add(item.line)
    return placed
