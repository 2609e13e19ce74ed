"""How much of a hand-written playbook an imported draft reproduces, category by category.

Lines pair by label (then shared number, then name), scenarios and ticket categories by name,
policies by their teams. Within a pair: steps and advice match one-to-one at token-set
similarity >= 0.8; fields by type and label words; documentation rules by record, condition
and stage; greetings by mode and template (placeholders included); hand-offs by team name;
SLAs by duration, channel and forbidden channels. Ids never decide a match: they are authored.
Pure: playbooks in (plus, optionally, the reference's YAML text for its assumption marks).
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.playbooks.importer.score_match import Marks, Tally
from sopdesk.playbooks.importer.score_parts import Comparison, compare_all
from sopdesk.playbooks.language.schema import Playbook

CATEGORIES = (
    "lines", "labels", "numbers", "urgencies", "greetings", "steps", "advice", "documentation",
    "scenarios", "fields", "handoffs", "policies", "sla", "ticket_categories", "schedules",
)  # fmt: skip


@dataclass(frozen=True)
class CategoryScore:
    name: str
    expected: int  # reference elements that come from the source document
    matched: int
    assumed: int  # reference elements its author marked as assumptions (not expected)
    assumed_matched: int
    drafted: int  # elements of this category in the draft
    missed: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return self.matched / self.expected if self.expected else None


@dataclass(frozen=True)
class Score:
    categories: tuple[CategoryScore, ...]

    @property
    def total(self) -> float:
        """Share of the reference's document-derived elements the draft reproduces."""
        expected = sum(c.expected for c in self.categories)
        return sum(c.matched for c in self.categories) / expected if expected else 1.0

    @property
    def total_all(self) -> float:
        """The same share, counting the reference's assumptions as expected too."""
        expected = sum(c.expected + c.assumed for c in self.categories)
        matched = sum(c.matched + c.assumed_matched for c in self.categories)
        return matched / expected if expected else 1.0


def score(draft: Playbook, reference: Playbook, reference_text: str | None = None) -> Score:
    """Compare `draft` with `reference`; `reference_text` lets its assumption marks count."""
    pair = Comparison(draft, reference, Marks.from_text(reference_text), Tally())
    _drafted(pair)
    compare_all(pair)
    return Score(
        tuple(
            CategoryScore(
                name,
                c.expected,
                c.matched,
                c.assumed,
                c.assumed_matched,
                c.drafted,
                tuple(c.missed),
            )
            for name in CATEGORIES
            if (c := pair.tally.counts.get(name)) is not None
        )
    )


def _drafted(pair: Comparison) -> None:
    d, tally = pair.draft, pair.tally
    counts = {
        "lines": len(d.lines),
        "labels": sum(len(li.labels) for li in d.lines),
        "numbers": sum(len(li.numbers) for li in d.lines),
        "urgencies": len(d.lines),
        "greetings": len(d.lines),
        "steps": sum(len(x.steps) for x in d.lines)
        + sum(len(x.steps) for x in d.scenarios)
        + sum(len(x.steps) for x in d.policies),
        "advice": sum(len(li.advice) for li in d.lines),
        "documentation": sum(len(li.documentation) for li in d.lines),
        "scenarios": len(d.scenarios),
        "fields": sum(len(s.fields) for s in d.scenarios)
        + sum(len(c.fields) for c in d.ticket_categories),
        "handoffs": len([s for s in d.scenarios if s.handoff is not None]),
        "policies": len(d.policies),
        "sla": len([p for p in d.policies if p.sla is not None]),
        "ticket_categories": len(d.ticket_categories),
        "schedules": len(d.schedules),
    }
    for category, count in counts.items():
        tally.drafted(category, count)
