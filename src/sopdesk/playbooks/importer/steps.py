"""Steps from instructions: kind, whether optional, prose split into steps, and step ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sopdesk.playbooks.importer.text import (
    clean,
    sentence_case,
    sentences,
    slug,
    unique_id,
    word_set,
)
from sopdesk.playbooks.importer.vocab import (
    AFTER_CALL,
    ASK_VERBS,
    CONDITIONAL_START,
    IMPERATIVES,
    LISTEN_WORDS,
    SAY_OPENING,
    SAY_VERBS,
)
from sopdesk.playbooks.language.schema import Choice, Step

StepKind = Literal["say", "do", "ask", "listen", "check", "after_call"]

# "The agent must first refer..." -> "First refer...": playbook steps speak to the agent.
_SUBJECT = re.compile(
    r"^(?:the\s+)?(?:agents?|you|representatives?|staff)\s+"
    r"(?:must|should|will|shall|needs?\s+to|has\s+to|have\s+to|can)\s+",
    re.IGNORECASE,
)
_LEADING_LINK = re.compile(r"^(?:then|and then|also|instead|next|finally)\b[,\s]*", re.IGNORECASE)
_COMPOUND = re.compile(r",?\s+(?:and|then|and then)\s+(?=(\w+)\b)")
_STOP_WORDS = word_set("the a an to of and or for with in on at by your their his her it is")
_MIN_PART_WORDS = 3
_NEGATIONS = ("do", "never", "don")


@dataclass
class StepDraft:
    """A step before it has an id; `source` is the line it came from."""

    text: str
    source: int
    kind: StepKind = "do"
    required: bool = True
    collect: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    hint: str = ""  # preferred id, when the step's role names it better than its words
    # A check whose "Yes" runs the next `branch` steps and whose "No" skips past them
    # (BRANCH_TO_END: every step after it). 0: not a branching check.
    branch: int = 0


BRANCH_TO_END = 1 << 16


def imperative(text: str) -> str:
    """The instruction addressed to the agent, as a sentence."""
    text = _SUBJECT.sub("", clean(text))
    return sentence_case(_LEADING_LINK.sub("", text))


def step_from(text: str, source: int) -> StepDraft:
    """One step from one instruction, with its kind and whether it is optional."""
    text = imperative(text)
    return StepDraft(text, source, kind_of(text), required=not CONDITIONAL_START.search(text))


def kind_of(text: str) -> StepKind:
    """What the agent does in this step, read from its first instruction verb."""
    if AFTER_CALL.search(text):
        return "after_call"
    verb = first_verb(text)
    if verb == "listen" or (verb is None and LISTEN_WORDS.search(text)):
        return "listen"
    if verb in ASK_VERBS:
        return "ask"
    if verb in SAY_VERBS or SAY_OPENING.search(text):
        return "say"
    return "do"


def first_verb(text: str) -> str | None:
    """The first imperative verb among the opening words (after any leading clause)."""
    return next((w for w in re.findall(r"[a-z]+", text.lower())[:14] if w in IMPERATIVES), None)


def starts_with_verb(text: str) -> bool:
    """Whether `text` opens with an instruction ("Send...", "Do NOT...", "Never...")."""
    found = re.findall(r"[A-Za-z]+", imperative(text))
    return bool(found) and (found[0].lower() in IMPERATIVES or found[0].lower() in _NEGATIONS)


def steps_from_prose(text: str, source: int) -> list[StepDraft]:
    """Steps from a paragraph: one per sentence, compounds of two instructions split."""
    parts: list[str] = []
    for sentence in sentences(text):
        parts.extend(split_compound(sentence))
    return [step_from(part, source) for part in parts if part.strip(" .")]


def split_compound(sentence: str) -> list[str]:
    """ "Do X and recommend Y" is two instructions when both halves say enough on their own."""
    for match in _COMPOUND.finditer(sentence):
        if match.group(1).lower() not in IMPERATIVES:
            continue
        head, tail = sentence[: match.start()], sentence[match.end() :]
        if len(head.split()) >= _MIN_PART_WORDS and len(tail.split()) >= _MIN_PART_WORDS:
            return [head, *split_compound(tail)]
    return [sentence]


def make_steps(drafts: list[StepDraft]) -> list[Step]:
    """Steps with ids unique within their list, named after their first content words."""
    taken: set[str] = set()
    ids = [unique_id(draft.hint or id_words(draft.text), taken) for draft in drafts]
    return [
        Step(
            id=step_id,
            text=draft.text,
            kind=draft.kind,
            required=draft.required,
            collect=list(dict.fromkeys(draft.collect)),
            choices=draft.choices or _branch_choices(ids, index, draft.branch),
        )
        for index, (step_id, draft) in enumerate(zip(ids, drafts, strict=True))
    ]


def _branch_choices(ids: list[str], index: int, branch: int) -> list[Choice]:
    """ "Yes" goes on to the next step; "No" skips the steps the condition covers."""
    if branch <= 0 or index + 1 >= len(ids):
        return []
    after = index + 1 + branch
    return [
        Choice(label="Yes", goto=ids[index + 1]),
        Choice(label="No", goto=ids[after] if after < len(ids) else "end"),
    ]


def id_words(text: str) -> str:
    """A step id from the first two content words of `text`."""
    bare = re.sub(r"['\u2019]s\b", "", text.lower())
    content = [w for w in re.findall(r"[a-z]+", bare) if w not in _STOP_WORDS]
    return slug(" ".join(content[:2]), fallback="step")
