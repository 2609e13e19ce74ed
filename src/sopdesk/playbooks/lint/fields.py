"""Lint checks on intake fields and on the steps that collect them.

Pure: takes playbook models and a source map, returns findings. No I/O, no engine imports.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sopdesk.playbooks.language.loader import Finding, PathKey, SourceMap
from sopdesk.playbooks.language.schema import FieldType, IntakeField, Playbook, Scenario, Step
from sopdesk.playbooks.lint.flow import duplicate_ids

_PATTERN_TYPES = (FieldType.IDENTIFIER, FieldType.TEXT)


def check_fields(
    fields: Sequence[IntakeField], where: PathKey, owner: str, source: SourceMap
) -> Iterator[Finding]:
    """Problems in one list of fields (a scenario's or a ticket category's)."""
    yield from duplicate_ids(fields, where, "field", source, owner)
    by_id = {f.id: f for f in fields}
    for i, field in enumerate(fields):
        at = (*where, i)
        name = f"field '{field.id}' of {owner}"
        yield from _type_options(field, at, name, source)
        for key, value in field.when.items():
            yield from _when(by_id, key, value, (*at, "when", key), name, source)


def _type_options(
    field: IntakeField, at: PathKey, name: str, source: SourceMap
) -> Iterator[Finding]:
    kind = field.type.value
    if field.options and field.type is not FieldType.CHOICE:
        yield source.finding(
            (*at, "options"),
            f"{name} has options but is of type '{kind}'; options only apply to type: choice",
        )
    if field.type is FieldType.CHOICE and not field.options:
        yield source.finding(
            (*at, "type"), f"{name} is a choice but lists no options; add options: [...]"
        )
    if field.currencies and field.type is not FieldType.MONEY:
        yield source.finding(
            (*at, "currencies"),
            f"{name} lists currencies but is of type '{kind}'; currencies only apply to "
            "type: money",
        )
    if field.pattern is not None and field.type not in _PATTERN_TYPES:
        yield source.finding(
            (*at, "pattern"),
            f"{name} has a pattern but is of type '{kind}'; patterns only apply to types "
            "identifier and text",
        )


def _when(
    by_id: dict[str, IntakeField],
    key: str,
    value: str,
    at: PathKey,
    name: str,
    source: SourceMap,
) -> Iterator[Finding]:
    other = by_id.get(key)
    if other is None:
        yield source.finding(at, f"{name} depends on unknown field '{key}' (under when)")
    elif other.options and value not in other.options:
        choices = ", ".join(other.options)
        yield source.finding(
            at,
            f"{name} depends on field '{key}' being '{value}', which is not one of its "
            f"options ({choices})",
        )


def check_no_collect(
    steps: Sequence[Step], where: PathKey, owner: str, source: SourceMap
) -> Iterator[Finding]:
    """Steps outside scenarios have no fields to collect into."""
    for i, step in enumerate(steps):
        if step.collect:
            yield source.finding(
                (*where, i, "collect"),
                f"step '{step.id}' of {owner} collects fields, but only scenarios have "
                "fields; move the step into a scenario or remove collect",
            )


def check_collection(scenario: Scenario, where: PathKey, source: SourceMap) -> Iterator[Finding]:
    """Every collected field is defined, and every needed field is collected by some step."""
    owner = f"scenario '{scenario.id}'"
    defined = {f.id for f in scenario.fields}
    collected: set[str] = set()
    for i, step in enumerate(scenario.steps):
        for k, field_id in enumerate(step.collect):
            collected.add(field_id)
            if field_id not in defined:
                yield source.finding(
                    (*where, "steps", i, "collect", k),
                    f"step '{step.id}' of {owner} collects '{field_id}', which is not a field "
                    "of the scenario; add it under fields or fix the name",
                )
    needed: list[tuple[PathKey, str, str]] = []
    if scenario.identity_check is not None:
        for k, field_id in enumerate(scenario.identity_check.fields):
            needed.append(((*where, "identity_check", "fields", k), field_id, "identity check"))
    if scenario.handoff is not None:
        for k, field_id in enumerate(scenario.handoff.requires):
            needed.append(((*where, "handoff", "requires", k), field_id, "handoff"))
    for path, field_id, what in needed:
        if field_id not in defined:
            yield source.finding(
                path,
                f"{what} of {owner} needs field '{field_id}', which the scenario does not "
                "define; add it under fields or fix the name",
            )
        elif field_id not in collected:
            yield source.finding(
                path, f"{what} of {owner} needs field '{field_id}' but no step collects it"
            )
    # A field already reported as needed-but-uncollected is not reported a second time.
    reported = {field_id for _, field_id, _ in needed}
    for i, field in enumerate(scenario.fields):
        if field.required and field.id not in collected and field.id not in reported:
            yield source.finding(
                (*where, "fields", i, "id"),
                f"required field '{field.id}' of {owner} is never collected; add it to a "
                "step's collect or set required: false",
            )


def check_ticket_handoffs(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    """A hand-off that raises a ticket names a known category and collects its fields."""
    categories = {c.id: c for c in playbook.ticket_categories}
    for i, scenario in enumerate(playbook.scenarios):
        handoff = scenario.handoff
        if handoff is None or handoff.ticket_category is None:
            continue
        where: PathKey = ("scenarios", i, "handoff", "ticket_category")
        category = categories.get(handoff.ticket_category)
        if category is None:
            yield source.finding(
                where,
                f"handoff of scenario '{scenario.id}' raises a ticket in category "
                f"'{handoff.ticket_category}', which ticket_categories does not define",
            )
            continue
        defined = {f.id for f in scenario.fields}
        for field in category.fields:
            if field.required and field.id not in defined:
                yield source.finding(
                    where,
                    f"the {category.name} ticket of scenario '{scenario.id}' needs field "
                    f"'{field.id}', which the scenario does not define",
                )
