"""Matching helpers for scoring a draft against a hand-written playbook.

Elements are matched by content (labels, names, normalised text), never by id, because ids
are authored. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TypeVar

from sopdesk.playbooks.language.loader import PathKey, PlaybookError, parse_text

A = TypeVar("A")
B = TypeVar("B")

STEP_THRESHOLD = 0.8  # token-set similarity for steps and advice to count as the same
NAME_THRESHOLD = 0.6  # for scenario and category names, which are short
_SUFFIXES = ("ing", "ed", "es", "s")
_ASSUMED = re.compile(r"\bassumptions?:|\bnot in the (?:sop|source|document)\b", re.I)
_WORD = re.compile(r"[a-z0-9]+")


def tokens(text: str | None) -> list[str]:
    """Sorted distinct word stems: "Evaluates the queries" and "evaluated query" share stems."""
    words = _WORD.findall((text or "").lower().replace("'", "").replace("\u2019", ""))
    return sorted({_stem(w) for w in words})


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def similarity(a: str | None, b: str | None) -> float:
    """Token-set similarity in [0, 1]: difflib's ratio over the sorted distinct stems."""
    ta, tb = tokens(a), tokens(b)
    if not ta and not tb:
        return 1.0
    return SequenceMatcher(None, ta, tb, autojunk=False).ratio()


def norm(text: str | None) -> str:
    """Case, spacing and typographic quotes ignored; everything else must be equal."""
    text = (text or "").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.split()).casefold()


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def greedy(
    refs: Sequence[A], drafts: Sequence[B], score: Callable[[A, B], float], threshold: float
) -> dict[int, int]:
    """One-to-one pairs (reference index -> draft index), best-scoring pairs first."""
    candidates = [(score(r, d), i, j) for i, r in enumerate(refs) for j, d in enumerate(drafts)]
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for value, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if value >= threshold and i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


@dataclass(frozen=True)
class Marks:
    """Reference elements its author marked as not coming from the source document.

    A YAML comment block starting "Assumption:" or "Not in the SOP" directly above an element
    (or above the key holding its list) marks it.
    """

    paths: frozenset[PathKey] = frozenset()

    @classmethod
    def from_text(cls, text: str | None) -> Marks:
        if not text:
            return cls()
        try:
            _, source = parse_text(text)
        except PlaybookError:
            return cls()
        lines = text.splitlines()
        marked = {path for path, line in source.lines.items() if _comment_above(lines, line)}
        return cls(frozenset(marked))

    def any(self, paths: Iterable[PathKey]) -> bool:
        return any(path in self.paths for path in paths)


def _comment_above(lines: list[str], line: int) -> bool:
    block: list[str] = []
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        block.append(lines[index])
        index -= 1
    return bool(block) and bool(_ASSUMED.search(" ".join(reversed(block))))


@dataclass
class Count:
    """One category's tally: expected (document-derived) and assumed reference elements."""

    expected: int = 0
    matched: int = 0
    assumed: int = 0
    assumed_matched: int = 0
    drafted: int = 0
    missed: list[str] = field(default_factory=list)


@dataclass
class Tally:
    counts: dict[str, Count] = field(default_factory=dict)

    def add(self, category: str, matched: bool, assumed: bool, what: str) -> None:
        """Count one reference element; `what` describes it when the draft misses it."""
        count = self.counts.setdefault(category, Count())
        if not matched and not assumed:
            count.missed.append(what)
        if assumed:
            count.assumed += 1
            count.assumed_matched += matched
        else:
            count.expected += 1
            count.matched += matched

    def drafted(self, category: str, number: int) -> None:
        self.counts.setdefault(category, Count()).drafted += number
