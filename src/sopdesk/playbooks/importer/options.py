"""Choice options for a "how" field ("Method", "Contact method") read from the alternatives the
document lists elsewhere: "pay by A, B, or C", acronyms such as "A/B", and, in a sentence that
lists some, one more means it sets beside them ("use X for urgent ones; A/B take longer").

An enumeration belongs to a field when its sentence shares a word with the field's label or
its owner's name ("ship" and "Shipping request"). Pure: text in, options out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sopdesk.playbooks.importer.text import clean, label_case, sentences, word_set, words
from sopdesk.playbooks.importer.vocab import IMPERATIVES
from sopdesk.playbooks.language.schema import FieldType, IntakeField, Scenario, TicketCategory

OTHER = "Other"
_HOW = word_set("method methods mode modes means channel channels way ways")
_MEANS = re.compile(r"\b(?:by|via|through|using|use)\s+(?P<rest>[^.;:()\u2014]+)", re.I)
_ACRONYMS = re.compile(r"\b[A-Z]{2,}(?:/[A-Z]{2,})+\b")
_SPLIT = re.compile(r"\s*,\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", re.I)
_ITEM_END = re.compile(
    r"\s+(?:for|to|in|on|at|with|from|when|if|so|that|which|because|can|will|is|are|as)\b.*$",
    re.I,
)
_ARTICLE = re.compile(r"^(?:a|an|the|their|your|his|her|its)\s+", re.I)
_MAX_ITEM_WORDS = 3
_MIN_SHARED = 3  # letters two words must share from their start to count as the same word
_NOT_CONTEXT = word_set(
    """the a an of and or to for by with in on at is are be can cannot not what how when who
    client clients customer customers caller callers patient patients user users"""
)


@dataclass(frozen=True)
class Enumeration:
    """Alternatives one sentence of the document lists, with that sentence's words."""

    options: tuple[str, ...]
    context: frozenset[str]


def enumerations(text: str) -> list[Enumeration]:
    """Every sentence of `text` that lists two or more alternatives, in document order."""
    found: list[Enumeration] = []
    for line in text.splitlines():
        for sentence in sentences(clean(line)):
            options = _alternatives(sentence)
            if len(options) >= 2:
                found.append(Enumeration(tuple(options), frozenset(words(sentence))))
    return found


def _alternatives(sentence: str) -> list[str]:
    listed: list[tuple[int, str]] = []
    singles: list[tuple[int, str]] = []
    for match in _MEANS.finditer(sentence):
        items = _items(match.group("rest"))
        (listed if len(items) >= 2 else singles).extend((match.start(), i) for i in items)
    for match in _ACRONYMS.finditer(sentence):
        listed.extend((match.start(), part) for part in match.group(0).split("/"))
    if not listed:
        return []
    # A single means counts only beside a list it is set against.
    return _distinct(item for _, item in sorted(listed + singles, key=lambda pair: pair[0]))


def _distinct(items: Iterable[str]) -> list[str]:
    """First spelling of each option, in order, case ignored."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())


def _items(rest: str) -> list[str]:
    """The leading run of short noun phrases of "A, B, or C ...", "the D for ..."."""
    items: list[str] = []
    for part in _SPLIT.split(rest.strip()):
        item = _ARTICLE.sub("", _ITEM_END.sub("", part.strip()))
        names = item.split()
        if not names or len(names) > _MAX_ITEM_WORDS or names[0].lower() in IMPERATIVES:
            break
        if not any(w in _HOW for w in words(item)):
            items.append(label_case(item))
        if item != part.strip():
            break  # the phrase ran on ("... for urgent orders"): the list is over
    return items


def options_for(label: str, owner: str, found: list[Enumeration]) -> list[str]:
    """Options for a field named `label` on `owner` (a scenario or category name), or []."""
    label_words = words(label)
    if not label_words or label_words[-1] not in _HOW:
        return []
    context = {w for w in words(f"{label} {owner}") if w not in _NOT_CONTEXT and w not in _HOW}
    related = [e for e in found if any(_same_word(a, b) for a in context for b in e.context)]
    options = _distinct(option for e in related for option in e.options)
    return [*options, OTHER] if len(options) >= 2 else []


def _same_word(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return len(short) >= _MIN_SHARED and long.startswith(short)


def offer_options(
    scenarios: list[Scenario], categories: list[TicketCategory], text: str
) -> tuple[list[Scenario], list[TicketCategory], list[str]]:
    """Each free-text "how" field becomes a choice of the means `text` lists for it.

    Also returns what was assumed, once per field label and options, for the draft's header.
    """
    found = enumerations(text)
    notes: list[str] = []
    scenarios = [
        s.model_copy(update={"fields": _offered(s.fields, s.name, found, notes)}) for s in scenarios
    ]
    categories = [
        c.model_copy(update={"fields": _offered(c.fields, c.name, found, notes)})
        for c in categories
    ]
    return scenarios, categories, list(dict.fromkeys(notes))


def _offered(
    fields: list[IntakeField], owner: str, found: list[Enumeration], notes: list[str]
) -> list[IntakeField]:
    out: list[IntakeField] = []
    for item in fields:
        options = options_for(item.label, owner, found) if item.type is FieldType.TEXT else []
        if options:
            item = item.model_copy(update={"type": FieldType.CHOICE, "options": options})
            notes.append(
                f"field {item.label}: a choice of the means the document lists "
                f"({', '.join(options[:-1])}); '{OTHER}' added, the list is not closed"
            )
        out.append(item)
    return out
