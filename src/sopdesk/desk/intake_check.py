"""What a scenario's intake may hold at all, checked before anything is stored.

The engine reports a field's wrong value (kept, so the agent's typing is not lost), but keys the
scenario does not have, and values no field could need, are not the agent's typing: they are
refused whole (422 naming each field) and nothing is written, so a request cannot grow a call's
record, and every page that shows it, without bound.
"""

from __future__ import annotations

from collections.abc import Mapping

from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.playbooks.engine import FieldValue
from sopdesk.playbooks.language.schema import Scenario

# Longer than any intake answer (a free-text concern is a few paragraphs at most).
VALUE_MAX_CHARS = 4000
# How many offending keys a refusal lists: enough to act on, not a copy of a flood.
LISTED_MAX = 20


def _size(value: FieldValue | None) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(len(v) for v in value)
    if isinstance(value, dict):
        return sum(len(k) + len(v) for k, v in value.items())
    return 0


def check_intake_shape(scenario: Scenario, values: Mapping[str, FieldValue | None]) -> None:
    """Refuse (422) keys `scenario` has no field for and values over VALUE_MAX_CHARS."""
    labels = {f.id: f.label for f in scenario.fields}
    problems = [
        FieldProblem(f"values.{key}", f"{scenario.name} has no field '{key}'")
        for key in values
        if key not in labels
    ]
    problems += [
        FieldProblem(
            f"values.{key}",
            f"{labels[key]} is {_size(value)} characters; at most {VALUE_MAX_CHARS} are kept",
        )
        for key, value in values.items()
        if key in labels and _size(value) > VALUE_MAX_CHARS
    ]
    if problems:
        more = len(problems) - LISTED_MAX
        message = f"{scenario.name}: {len(problems)} field(s) refused, nothing was saved"
        listed = problems[:LISTED_MAX]
        if more > 0:
            listed.append(FieldProblem("values", f"and {more} more"))
        raise DeskError(422, "invalid", message, listed)
