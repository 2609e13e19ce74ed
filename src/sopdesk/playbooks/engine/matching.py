"""Which line is ringing: the label the agent sees wins, then the dialed number, then fallback.

Pure: playbook and call facts in, a `LineMatch` out; `owns_number` says whether a playbook
lists a dialed number at all (which org a call with no org named belongs to).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers

from sopdesk.playbooks.language.schema import Greeting, Line, Playbook, Step

MatchedBy = Literal["label", "number", "fallback"]

# Used only when an org's playbook has no line marked `fallback: true`: a call must still ring.
_BUILTIN_FALLBACK = Line(
    id="unknown",
    name="Unrecognised line",
    urgency="lowest",  # replaced by the org's lowest urgency in fallback_line()
    greeting=Greeting(template="Thank you for calling {org_name}, I'm {agent_name}."),
    steps=[Step(id="identify", text="Ask what the call is about and tell your supervisor.")],
    fallback=True,
)


@dataclass(frozen=True)
class LineMatch:
    line: Line
    matched_by: MatchedBy
    warnings: tuple[str, ...] = ()


def normalize_label(label: str) -> str:
    """Labels compare case-insensitively with runs of whitespace collapsed."""
    return re.sub(r"\s+", " ", label).strip().casefold()


# Cached: a call is matched against every number of every line, each parsed the same way each
# time (the ring path, and the editor's live check running every test case per keystroke).
@lru_cache(maxsize=8192)
def normalize_number(number: str, region: str = "US") -> str:
    """E.164 when the number parses, else its digits; '888 5333002' -> '+18885333002'."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", number)
    if not phonenumbers.is_possible_number(parsed):
        return re.sub(r"\D", "", number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def fallback_line(playbook: Playbook) -> Line:
    """The org's fallback line, or a built-in generic one at the lowest urgency."""
    for line in playbook.lines:
        if line.fallback:
            return line
    return _BUILTIN_FALLBACK.model_copy(update={"urgency": playbook.urgencies[0].id})


def _by_label(playbook: Playbook, label: str) -> Line | None:
    wanted = normalize_label(label)
    for line in playbook.lines:
        if any(normalize_label(candidate) == wanted for candidate in line.labels):
            return line
    return None


def _by_number(playbook: Playbook, number: str) -> list[Line]:
    region = playbook.org.default_region
    wanted = normalize_number(number, region)
    return [
        line
        for line in playbook.lines
        if any(normalize_number(n, region) == wanted for n in line.numbers)
    ]


def owns_number(playbook: Playbook, number: str | None) -> bool:
    """True when one of the playbook's lines lists the dialed `number` (in the org's region)."""
    number = (number or "").strip()
    return bool(number) and bool(_by_number(playbook, number))


def match_line(
    playbook: Playbook, label: str | None = None, number: str | None = None
) -> LineMatch:
    """Resolve a ringing call to one of the org's lines; never fails."""
    label = (label or "").strip() or None
    number = (number or "").strip() or None
    warnings: list[str] = []
    if label:
        line = _by_label(playbook, label)
        if line is not None:
            return LineMatch(line, "label")
        warnings.append(f"The label '{label}' is not one of {playbook.org.name}'s lines.")
    if number:
        lines = _by_number(playbook, number)
        if len(lines) > 1:
            names = ", ".join(li.name for li in lines)
            warnings.append(
                f"{number} is shared by {names}; without a label the first is shown. "
                "Check the label on your phone."
            )
        if lines:
            return LineMatch(lines[0], "number", tuple(warnings))
        warnings.append(f"The number {number} is not one of {playbook.org.name}'s lines.")
    line = fallback_line(playbook)
    if not any(li.labels or li.numbers for li in playbook.lines):
        # The org routes every call to one line: falling back is the plan, not a surprise.
        return LineMatch(line, "fallback")
    if not label and not number:
        warnings.append("The call carried neither a line label nor a dialed number.")
    warnings.append("Unknown line: showing the fallback playbook. Tell your supervisor.")
    return LineMatch(line, "fallback", tuple(warnings))
