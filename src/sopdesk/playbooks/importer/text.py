"""Small text helpers shared by the importer: identifiers, sentences, quotes, numbers, durations.

Pure functions on strings. Nothing here knows about playbooks.
"""

from __future__ import annotations

import re
from datetime import timedelta

import phonenumbers

from sopdesk.playbooks.language.durations import parse_duration

_QUOTE_PAIRS = (('"', '"'), ("\u201c", "\u201d"), ("\u201e", "\u201c"), ("\u00ab", "\u00bb"))
_QUOTED = re.compile(
    r"\"([^\"]{1,300})\"|\u201c([^\u201d]{1,300})\u201d|\u00ab([^\u00bb]{1,300})\u00bb"
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"\u201c(]?[A-Z0-9])")
_NON_IDENT = re.compile(r"[^a-z0-9]+")
_PHONE_CANDIDATE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{5,18}\d(?![\w])")
_WITHIN = re.compile(
    r"\b(?:within|in|under|no later than)\s+(?P<n>\d+(?:\.\d+)?|an?|one|two|three|four|five)"
    r"\s*(?P<unit>minutes?|mins?|hours?|hrs?|h|days?|business days?|working days?|weeks?)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_WORD = re.compile(r"[a-z0-9]+")


def slug(text: str, fallback: str = "item", limit: int = 4) -> str:
    """A lower_snake_case identifier from `text`, at most `limit` words, never empty."""
    words = [w for w in _NON_IDENT.split(text.lower()) if w][:limit]
    ident = "_".join(words)
    if not ident:
        return fallback
    # Identifiers must start with a letter; a leading digit keeps its meaning behind a prefix.
    return ident if ident[0].isalpha() else f"{fallback}_{ident}"


def unique_id(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`... whichever is not yet in `taken`; records the result."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def clean(text: str) -> str:
    """Collapse whitespace and drop characters a YAML reader or a terminal would choke on."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def sentences(text: str) -> list[str]:
    """Split prose into sentences, never inside brackets: "(it is quick; X is slow)" stays."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()]
        if before.count("(") > before.count(")"):
            continue
        parts.append(before.strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def quoted(text: str) -> list[str]:
    """Every string between double quotes (straight, curly or guillemets), in order."""
    found = (next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text))
    return [q.strip() for q in found if q.strip()]


def strip_quotes(text: str) -> str:
    """Text with its quote characters removed but their content kept."""
    for opening, closing in _QUOTE_PAIRS:
        text = text.replace(opening, "").replace(closing, "")
    return text


def phone_numbers(text: str, region: str = "US") -> list[str]:
    """Phone numbers as written in `text` (raw form kept), confirmed by libphonenumber."""
    found: list[str] = []
    for match in _PHONE_CANDIDATE.finditer(text):
        raw = match.group(0).strip(" ()-.")
        digits = re.sub(r"\D", "", raw)
        if not 7 <= len(digits) <= 15:
            continue
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed) and raw not in found:
            found.append(raw)
    return found


def phone_key(number: str, region: str = "US") -> str:
    """One spelling per phone number (E.164 when readable), so duplicates can be told."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def without_numbers(text: str, numbers: list[str]) -> str:
    """`text` with the given phone numbers (and brackets left empty by them) removed."""
    for number in numbers:
        text = text.replace(number, "")
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    return clean(text).strip(" -:,")


def find_duration(text: str) -> tuple[timedelta, str] | None:
    """The first 'within N units' in `text`: the duration and the words that said it."""
    match = _WITHIN.search(text)
    if match is None:
        return None
    amount = match.group("n").lower()
    number = _NUMBER_WORDS.get(amount)
    value = float(amount) if number is None else float(number)
    unit = match.group("unit").lower().split()[-1]
    try:
        # Business and working days are read as calendar days: the schema has no calendar.
        return parse_duration(f"{value:g} {unit}"), match.group(0)
    except ValueError:
        return None


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one string, for vocabulary lists that read like prose."""
    return frozenset(text.split())


def words(text: str) -> list[str]:
    """Lowercase word tokens; apostrophes vanish so "client's" and "clients" compare alike."""
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def sentence_case(text: str) -> str:
    """First letter upper-cased, rest untouched; a trailing period added to a bare clause."""
    text = text.strip().strip(",;:-\u2013\u2014 ")
    for quote in ('"', "\u201d"):
        # A closing quote left over from a quotation the line does not open.
        if text.endswith(quote) and text.count(quote) % 2 == 1 and "\u201c" not in text:
            text = text[:-1].rstrip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else f"{text}."


def label_case(text: str) -> str:
    """A field or team label: first letter upper-cased, no trailing punctuation."""
    text = clean(text).strip(" .,;:-")
    return text[0].upper() + text[1:] if text else text
