"""Branches and promises in a list of steps.

"If X, do Y" becomes a check on X that the agent answers, then Y. What a team "will" do once
the agent's part is over is what the agent tells the caller. A quick-answer rule about channels
that no step states joins the step that uses the allowed channel. Pure: text in, steps out.
"""

from __future__ import annotations

import re
from collections import Counter

from sopdesk.playbooks.importer.steps import (
    BRANCH_TO_END,
    StepDraft,
    id_words,
    imperative,
    starts_with_verb,
    step_from,
)
from sopdesk.playbooks.importer.text import clean, sentence_case, words

_IF = re.compile(r"^(?:if|in case)\s+", re.I)
_INDEFINITE = re.compile(r"^(?:a|an)\s+", re.I)
_FUTURE = re.compile(r"\bwill\b(?!\s+not\b)", re.I)
_MIN_CONDITION_WORDS = 3
# Words documents use for the person on the other end of the call, most specific first.
_CALLER_WORDS = ("patient", "client", "customer", "member", "guest", "user", "caller")
DEFAULT_CALLER = "caller"


def condition_of(text: str) -> tuple[str, str] | None:
    """ "If X, (the agent must) do Y" -> (X, "do Y"); None when the text is not one."""
    text = clean(text)
    opening = _IF.match(text)
    if opening is None:
        return None
    for comma in (m.start() for m in re.finditer(",", text)):
        condition, rest = text[opening.end() : comma].strip(), text[comma + 1 :].strip()
        if len(condition.split()) >= _MIN_CONDITION_WORDS and starts_with_verb(rest):
            return condition, rest
    return None


def check_step(condition: str, source: int, branch: int = BRANCH_TO_END) -> StepDraft:
    """The agent checks the condition: "an order ..." is the one at hand, "the order"."""
    subject = _INDEFINITE.sub("the ", condition.strip(" ,.;:"))
    hint = id_words(subject)
    return StepDraft(f"Check whether {subject}.", source, "check", hint=hint, branch=branch)


def branch_steps(text: str, source: int) -> list[StepDraft]:
    """One instruction as steps: a conditional one is a check, then what it calls for."""
    found = condition_of(text)
    if found is None:
        return [step_from(text, source)]
    condition, rest = found
    return [check_step(condition, source, branch=1), step_from(rest, source)]


def caller_word(text: str) -> str:
    """What the document calls the person on the call ("client", "patient"...)."""
    counts = Counter(w.rstrip("s") for w in words(text))
    found = [(counts[w], -i, w) for i, w in enumerate(_CALLER_WORDS) if counts[w]]
    return max(found)[2] if found else DEFAULT_CALLER


def promise_step(team_steps: list[StepDraft], caller: str) -> StepDraft | None:
    """What the team will do, told to the caller; None unless every team step is a promise."""
    if not team_steps or not all(_FUTURE.search(s.text) for s in team_steps):
        return None
    said = "; ".join(_lower_first(s.text.rstrip(" .")) for s in team_steps)
    return StepDraft(f"Tell the {caller}: {said}.", team_steps[0].source, "say")


def add_after(steps: list[StepDraft], extra: StepDraft) -> None:
    """Append `extra`; a branch that covered the last step now covers it too."""
    last = len(steps) - 1
    for index, step in enumerate(steps):
        if 0 < step.branch < BRANCH_TO_END and index + step.branch == last:
            step.branch += 1
    steps.append(extra)


def attach_rule(steps: list[StepDraft], rule: str, uses: re.Pattern[str]) -> bool:
    """Add `rule` to the first step that `uses` matches; whether a step took it."""
    target = next((s for s in steps if uses.search(s.text)), None)
    if target is None:
        return False
    target.text = f"{target.text.rstrip()} {sentence_case(imperative(rule))}"
    return True


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    # "The query..." reads on after a colon; an acronym or a name keeps its capital.
    if first[:1].isupper() and (len(first) == 1 or first[1:].islower()):
        return text[0].lower() + text[1:]
    return text
