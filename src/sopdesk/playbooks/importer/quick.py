"""A knowledge-base article's quick answer read against its step-by-step list.

Quick-answer bullets mostly restate steps: a bullet whose words a step already carries is placed
by that step. A rule the steps leave out (which channel only, which is not permitted) joins the
step that uses the allowed channel, so the agent reads it where it applies. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sopdesk.playbooks.importer.branches import attach_rule
from sopdesk.playbooks.importer.lines import item_role
from sopdesk.playbooks.importer.reader import Item
from sopdesk.playbooks.importer.steps import StepDraft
from sopdesk.playbooks.importer.text import sentences, words
from sopdesk.playbooks.importer.vocab import Role

_MIN_WORD = 4  # shorter words ("the", "and", "try") say little about what a step is
_PREFIX = 5  # letters compared, so "checking" and "check", "tracking" and "tracked" agree
_RESTATED = 0.7  # share of a bullet's words a step must carry for the bullet to repeat it


def quick_answer(main: list[Item]) -> list[tuple[Item, str]]:
    """Each quick-answer item of the article with its text (a "Quick answer: ..." value too)."""
    found: list[tuple[Item, str]] = []
    inside = False
    for item in main:
        role = item_role(item)
        if role is not None:
            inside = role is Role.QUICK_ANSWER
            if inside and item.value:
                found.append((item, item.value))
        elif inside and not item.heading:
            found.append((item, item.text))
    return found


def restated(text: str, steps: list[StepDraft]) -> bool:
    """Whether one step carries most of the content words of `text`."""
    mine = _stems(text)
    return bool(mine) and any(
        len(mine & _stems(step.text)) >= _RESTATED * len(mine) for step in steps
    )


def place_quick_answer(
    main: list[Item],
    steps: list[StepDraft],
    restricts: Callable[[str], bool],
    uses_channel: re.Pattern[str],
) -> set[int]:
    """Attach the quick answer's channel rules the steps lack; returns the lines it placed."""
    placed: set[int] = set()
    stated = any(restricts(step.text) for step in steps)
    for item, text in quick_answer(main):
        rules = [s for s in sentences(text) if restricts(s)]
        attached = (
            bool(rules)
            and not stated
            and all(attach_rule(steps, rule, uses_channel) for rule in rules)
        )
        if attached or restated(text, steps):
            placed.add(item.line)
    return placed


def _stems(text: str) -> set[str]:
    return {w[:_PREFIX] for w in words(text) if len(w) >= _MIN_WORD}
