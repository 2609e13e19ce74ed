"""What changed between two playbooks, element by element: the review's semantic diff.

A text diff says line 212 moved; a reviewer needs "step `intake` of line USOS: text changed",
"scenario `crypto`: field `wallet` added", "SLA of policy `legal`: 24h → 12h". The playbooks
are compared as the validated models (so defaults written out or left implicit, key order,
comments and YAML style are no change), lists of elements are matched by their id (a
documentation rule by its record), and each change carries the element's path in the language
the traceability table and the adherence report use (`lines[id=usos].steps[id=intake]`).

Pure: two Playbooks in, a list of changes out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from sopdesk.playbooks.language.schema import Playbook

# The one value a list item is matched by, first found wins; items with none match by place.
ITEM_KEYS = ("id", "record")
# Keys that do not change what the desk does (where an element came from, notes for authors):
# their changes are listed, marked wording only, so a reviewer can tell them from behaviour.
_QUIET = frozenset({"source", "note", "description"})
SHORT = 120

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    REORDERED = "reordered"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str  # lines[id=usos].steps[id=intake].text
    label: str  # "line usos · step intake · text"
    before: str | None
    after: str | None
    # A change to a source, note or description: shown, but not a change of behaviour.
    wording_only: bool = False


def diff_playbooks(before: Playbook, after: Playbook) -> list[Change]:
    """Every change from `before` to `after`, in the order of the playbook's elements."""
    old = before.model_dump(mode="json", exclude={"version"})
    new = after.model_dump(mode="json", exclude={"version"})
    changes: list[Change] = []
    _diff(old, new, [], changes)
    return changes


def _diff(old: Json, new: Json, path: list[str], out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            here = [*path, key]
            if key not in new:
                out.append(_change(ChangeKind.REMOVED, here, old[key], None))
            elif key not in old:
                out.append(_change(ChangeKind.ADDED, here, None, new[key]))
            else:
                _diff(old[key], new[key], here, out)
    elif isinstance(old, list) and isinstance(new, list):
        _diff_list(old, new, path, out)
    elif old != new:
        out.append(_change(ChangeKind.CHANGED, path, old, new))


def _key_of(item: Json) -> str | None:
    if isinstance(item, dict):
        for name in ITEM_KEYS:
            value = item.get(name)
            if isinstance(value, str):
                return f"{name}={value}"
    return None


def _keyed(items: list[Json]) -> dict[str, Json] | None:
    """The items by their key (a repeated key numbered: `record=task#2`), or None when some
    item has no key (a list of scalars, or of anonymous objects)."""
    found: dict[str, Json] = {}
    seen: Counter[str] = Counter()
    for item in items:
        key = _key_of(item)
        if key is None:
            return None
        seen[key] += 1
        found[key if seen[key] == 1 else f"{key}#{seen[key]}"] = item
    return found


def _diff_list(old: list[Json], new: list[Json], path: list[str], out: list[Change]) -> None:
    old_keyed, new_keyed = _keyed(old), _keyed(new)
    if old_keyed is not None and new_keyed is not None and (old or new):
        for key, item in old_keyed.items():
            if key not in new_keyed:
                out.append(_change(ChangeKind.REMOVED, [*path, f"[{key}]"], item, None))
            else:
                _diff(item, new_keyed[key], [*path, f"[{key}]"], out)
        for key, item in new_keyed.items():
            if key not in old_keyed:
                out.append(_change(ChangeKind.ADDED, [*path, f"[{key}]"], None, item))
        common_old = [k for k in old_keyed if k in new_keyed]
        common_new = [k for k in new_keyed if k in old_keyed]
        if common_old != common_new:
            ids: list[Json] = [k.split("=", 1)[-1] for k in common_old]
            out.append(
                _change(ChangeKind.REORDERED, path, ids, [k.split("=", 1)[-1] for k in common_new])
            )
        return
    if all(not isinstance(x, dict | list) for x in [*old, *new]):
        _diff_values(old, new, path, out)
    elif old != new:
        # Anonymous objects (no id to match them by): compared by place.
        for index in range(max(len(old), len(new))):
            here = [*path, f"[{index + 1}]"]
            if index >= len(new):
                out.append(_change(ChangeKind.REMOVED, here, old[index], None))
            elif index >= len(old):
                out.append(_change(ChangeKind.ADDED, here, None, new[index]))
            else:
                _diff(old[index], new[index], here, out)


def _diff_values(old: list[Json], new: list[Json], path: list[str], out: list[Change]) -> None:
    """A list of plain values (advice, numbers, labels): each value added or removed."""
    for value in old:
        if value not in new:
            out.append(_change(ChangeKind.REMOVED, path, value, None))
    for value in new:
        if value not in old:
            out.append(_change(ChangeKind.ADDED, path, None, value))
    if [v for v in old if v in new] != [v for v in new if v in old]:
        out.append(_change(ChangeKind.REORDERED, path, old, new))


def _change(kind: ChangeKind, path: list[str], before: Json, after: Json) -> Change:
    quiet = bool(path) and path[-1] in _QUIET
    return Change(kind, _path_text(path), _label(path), _short(before), _short(after), quiet)


def _path_text(path: list[str]) -> str:
    text = ""
    for part in path:
        text += part if part.startswith("[") else (f".{part}" if text else part)
    return text


def _label(path: list[str]) -> str:
    """`lines`, `[id=usos]`, `steps`, `[id=intake]`, `text` → "line usos · step intake · text"."""
    words: list[str] = []
    for part in path:
        if part.startswith("[") and words:
            words[-1] = f"{_singular(words[-1])} {part[1:-1].split('=', 1)[-1]}"
        else:
            words.append(part.replace("_", " "))
    return " · ".join(words)


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _short(value: Json) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        name = next((value[k] for k in ("name", "text", "label", "title") if k in value), None)
        key = _key_of(value)
        text = " ".join(str(x) for x in (key, name) if x)
        text = text or ", ".join(sorted(value))
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"
