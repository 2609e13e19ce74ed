"""Intake fields from instructions: "ask for X and Y", "ask what X is about", "including: A, B".

Each field's type comes from the words of its label (phone, email, amount, number...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sopdesk.playbooks.importer.text import clean, label_case, slug, word_set
from sopdesk.playbooks.importer.vocab import FIELD_TYPE_HINTS
from sopdesk.playbooks.language.schema import FieldType, IntakeField

_QUESTION = re.compile(
    r"\bask\s+(?:them\s+|the\s+\w+\s+)?(?P<q>(?:what|why|how|when|where|who|which)\b[^.;?]*)",
    re.I,
)
_ASK_FOR = re.compile(
    r"\b(?:ask\s+(?:them\s+|the\s+\w+\s+)?for|take\s+down|obtain|collect)\s+"
    r"(?P<list>[^.;?]+)",
    re.I,
)
_INCLUDING = re.compile(
    r"\b(?P<open>including(?:\s+but\s+not\s+limited\s+to)?|such\s+as|namely)\s*:?\s*"
    r"(?P<list>[^.;?]+)",
    re.I,
)
_MANDATORY = re.compile(
    r"\b(?:mandatory|required|all)\s+(?:details|fields|information)\s*[(:]\s*(?P<list>[^)]+)",
    re.I,
)
_ALL_INFO = re.compile(
    r"\b(?:note|document|record|annotate|capture)\s+all\s+(?P<what>(?:pertinent|relevant|"
    r"important|the)\s+(?:information|details))",
    re.I,
)
_FILLERS = re.compile(
    r"\b(?:for example|for instance|e\.g\.|etc\.?|if any|if available)\b|\.{2,}|\u2026", re.I
)
_LEADING = re.compile(r"^(?:and|or|plus|also|their|the|his|her|his/her|your|its|all|any)\s+", re.I)
TEXT = FieldType.TEXT
_QUESTION_STOP = word_set("what why how when where who which the a an is are was were about it")


@dataclass(frozen=True)
class FieldDraft:
    id: str
    label: str
    type: FieldType
    required: bool = True

    def model(self) -> IntakeField:
        return IntakeField(id=self.id, label=self.label, type=self.type, required=self.required)


def fields_in(text: str) -> list[FieldDraft]:
    """Every field an instruction asks the agent to take, in the order it names them."""
    found: list[FieldDraft] = []
    question = _QUESTION.search(text)
    if question:
        found.append(_question_field(question.group("q")))
    listed = _INCLUDING.search(text) or _MANDATORY.search(text)
    for match in _ASK_FOR.finditer(text):
        found.extend(field_list(match.group("list")))
    info = _ALL_INFO.search(text)
    if listed:
        found.extend(field_list(listed.group("list")))
        # "including but not limited to" leaves room for more than the list names.
        if "not limited" in (listed.groupdict().get("open") or "").lower():
            found.append(FieldDraft("other_details", "Other pertinent information", TEXT, False))
    elif info:
        found.append(FieldDraft("details", label_case(f"all {info.group('what')}"), TEXT))
    return _unique(found)


def field_list(text: str) -> list[FieldDraft]:
    """Fields from an enumeration: "Name, involved currency, amount and figures"."""
    parts = [p for p in re.split(r",|;|\bplus\b", _FILLERS.sub(" ", text)) if p.strip()]
    fields: list[FieldDraft] = []
    for part in parts:
        halves = [h for h in re.split(r"\s+(?:and|or|&)\s+", part.strip()) if h.strip()]
        drafts = [field_named(h) for h in halves]
        # "amount and figures" is one thing; "phone number and email" is two.
        if len(drafts) > 1 and len({d.type for d in drafts}) == 1:
            drafts = [field_named(part)]
        fields.extend(d for d in drafts if d.label)
    return fields


def field_named(text: str) -> FieldDraft:
    """A field from its name as written, typed by the words in it."""
    label = clean(text).strip(" :()")
    while _LEADING.match(label):
        label = _LEADING.sub("", label)
    label = re.sub(r"\s*/\s*s\b", "(s)", label)
    label = label_case(label)
    kind = field_type(label)
    return FieldDraft(_field_id(label, kind), label, kind)


def field_type(label: str) -> FieldType:
    lowered = label.lower()
    for pattern, kind in FIELD_TYPE_HINTS:
        if pattern.search(lowered):
            return kind
    return FieldType.TEXT


def _field_id(label: str, kind: FieldType) -> str:
    if kind in (FieldType.PHONE, FieldType.EMAIL):
        return kind.value
    base = label.lower().replace("(s)", "s")
    return slug(base, fallback="field", limit=3)


def _question_field(question: str) -> FieldDraft:
    label = label_case(question)
    subject = [w for w in re.findall(r"[a-z]+", question.lower()) if w not in _QUESTION_STOP]
    return FieldDraft(slug(" ".join(subject[:2]), fallback="answer"), label, field_type(label))


def _unique(fields: list[FieldDraft]) -> list[FieldDraft]:
    seen: dict[str, FieldDraft] = {}
    for item in fields:
        seen.setdefault(item.id, item)
    return list(seen.values())
