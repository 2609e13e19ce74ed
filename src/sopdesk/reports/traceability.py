"""The traceability table (playbooks/<org>/TRACEABILITY.md) read as data (pure): for each
playbook element path, the SOP sentences it implements.

A row reads `| R12 | "the sentence" | `lines[id=psos].steps[id=listen]`; ... | tests | notes |`;
every backticked path in the element column is indexed, so a step or a scenario field finds the
sentences that ask for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

_ROW = re.compile(r"^\|\s*([A-Z]+\d+)\s*\|(.*?)\|(.*?)\|")
_TOKEN = re.compile(r"`([^`]+)`")
# An element of the playbook's top level (a line, a scenario, a policy, a team...): the head
# that relative paths later in the same cell (`.fields[id=x]`) belong to.
_HEAD = re.compile(r"^([a-z_]+\[id=[a-z0-9_]+\])")


class SopSentence(BaseModel):
    row: str  # e.g. R18
    text: str


@dataclass(frozen=True)
class Traceability:
    by_element: dict[str, list[SopSentence]] = field(default_factory=dict)

    def sentences(self, path: str) -> list[SopSentence]:
        """The sentences behind `path`, e.g. `lines[id=psos].steps[id=mute]`."""
        return self.by_element.get(path, [])

    def within(self, path: str) -> list[SopSentence]:
        """The sentences behind `path` or any part of it (a step's choices, a greeting's
        template), each once, in the table's order."""
        found: dict[str, SopSentence] = {}
        for key, sentences in self.by_element.items():
            if key == path or key.startswith((f"{path}.", f"{path}[")):
                found.update((s.row, s) for s in sentences)
        return sorted(found.values(), key=lambda s: (len(s.row), s.row))


def parse_traceability(text: str) -> Traceability:
    found: dict[str, list[SopSentence]] = {}
    for line in text.splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        row, sentence, elements = match.groups()
        entry = SopSentence(row=row, text=sentence.strip().strip('"'))
        for path in _paths(elements):
            found.setdefault(path, []).append(entry)
    return Traceability(found)


def _paths(cell: str) -> list[str]:
    """Absolute element paths of a cell; `.fields[id=x]` and `fields[id=x]` after
    `scenarios[id=s]...` in the same cell belong to that scenario."""
    found: list[str] = []
    head = ""
    for token in _TOKEN.findall(cell):
        token = token.split(" ")[0].rstrip(":")
        if match := _HEAD.match(token):
            head = match.group(1)
            found.append(token)
        elif head and token.startswith("."):
            found.append(head + token)
        elif head and token.startswith(("fields[", "steps[")):
            found.append(f"{head}.{token}")
    return found


def step_path(line_id: str, step_id: str) -> str:
    return f"lines[id={line_id}].steps[id={step_id}]"


def field_path(scenario_id: str, field_id: str) -> str:
    return f"scenarios[id={scenario_id}].fields[id={field_id}]"


def scenario_step_path(scenario_id: str, step_id: str) -> str:
    return f"scenarios[id={scenario_id}].steps[id={step_id}]"


def traceability_for(playbooks: Path, org_id: str) -> Traceability:
    """The org's table (`<playbooks>/<org>/TRACEABILITY.md`); empty when it has none."""
    path = playbooks / org_id / "TRACEABILITY.md"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return Traceability()
    return _read(path, stamp)


@lru_cache(maxsize=16)
def _read(path: Path, stamp: int) -> Traceability:
    # Keyed by the file's modification time: an edited table is read again.
    return parse_traceability(path.read_text(encoding="utf-8"))
