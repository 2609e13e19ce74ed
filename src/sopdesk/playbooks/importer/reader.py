"""Segment a prose document into items: one per line (or inline part), with its line number.

An item knows its list marker (bullet, numbered), whether it reads as a heading, and its
"Key: value" split. It knows nothing about SOPs: meaning is assigned by the extractors.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sopdesk.playbooks.importer.text import clean

_BULLET = re.compile(r"^(?:[-*+\u2022\u25cf\u25aa\u25e6\u2023\u2013\u2014\u00b7]|o(?=\s))\s+")
_NUMBERED = re.compile(r"^\(?(\d{1,3}|[a-zA-Z])[.)]\s+")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_KEY = re.compile(r"^(?P<key>[A-Z][\w /&'\u2019()-]{0,48}?)\s*:(?:\s+(?P<value>.*)|\s*$)")
_KEY_PREFIX = re.compile(
    r"^(?P<key>quick answer|short answer|tl;?dr)\b\s*[-\u2013\u2014:]?\s*(?P<value>.*)$",
    re.IGNORECASE,
)
# " - Documentation:" inside a line: an inline list item that starts a new keyed part.
_INLINE_KEY = re.compile(r"\s+[-\u2013\u2014]\s+(?=[A-Z][A-Za-z ]{1,30}:(?:\s|$))")
_MARKUP = re.compile(r"\*\*|__|`")
_MAX_KEY_WORDS = 6
_MAX_HEADING_WORDS = 12
_MAX_QUESTION_WORDS = 30


@dataclass(frozen=True)
class Item:
    """One segment of the source: a line, or an inline part of one."""

    line: int
    raw: str
    text: str
    marker: str  # "bullet", "numbered" or "" for none
    key: str | None  # the key of "Key: value", lower-cased, or None
    value: str  # the text after the key, or the whole text
    heading: bool

    @property
    def listed(self) -> bool:
        return self.marker != ""


def read_items(text: str) -> list[Item]:
    """Every non-blank line of `text` as items, in order, with 1-based line numbers."""
    items: list[Item] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = _strip_symbols(clean(_MARKUP.sub("", raw_line)))
        if line:
            items.extend(_items_of(number, line))
    return items


def _strip_symbols(line: str) -> str:
    """Drop leading emoji and pictographs, which decorate headings but carry no meaning."""
    start = 0
    while start < len(line) and (
        unicodedata.category(line[start]) in ("So", "Sk", "Cn", "Co", "Mn", "Cf")
    ):
        start += 1
    return line[start:].strip()


def _items_of(number: int, line: str) -> list[Item]:
    heading_md = bool(_MD_HEADING.match(line))
    # Again after the "#": a Markdown heading "## ⚡Quick answer" reads as the plain line does.
    body = _strip_symbols(_MD_HEADING.sub("", line))
    marker = ""
    if not heading_md:
        body, marker = _strip_marker(body)
    parts = _INLINE_KEY.split(body)
    items = [_item(number, line, parts[0], marker, heading_md)]
    items.extend(_item(number, line, part, "bullet", False) for part in parts[1:])
    return [item for item in items if item.text]


def _strip_marker(body: str) -> tuple[str, str]:
    bullet = _BULLET.match(body)
    if bullet:
        return body[bullet.end() :].strip(), "bullet"
    numbered = _NUMBERED.match(body)
    # A lone capital such as "A." starting a sentence is not a list marker.
    if numbered and (numbered.group(1).isdigit() or numbered.group(0).startswith("(")):
        return body[numbered.end() :].strip(), "numbered"
    return body, ""


def _item(number: int, raw: str, text: str, marker: str, heading_md: bool) -> Item:
    text = text.strip()
    key, value = _split_key(text)
    heading = heading_md or (not marker and _reads_as_heading(text, key, value))
    return Item(number, raw, text, marker, key, value, heading)


def _split_key(text: str) -> tuple[str | None, str]:
    prefix = _KEY_PREFIX.match(text)
    if prefix:
        return prefix.group("key").lower(), prefix.group("value").strip()
    match = _KEY.match(text)
    if match is None:
        return None, text
    key = match.group("key").strip()
    if len(key.split()) > _MAX_KEY_WORDS or any(ch in key for ch in ".?!"):
        return None, text
    return key.lower(), (match.group("value") or "").strip()


def _reads_as_heading(text: str, key: str | None, value: str) -> bool:
    if key is not None and value:
        return False
    count = len(text.split())
    if text.endswith("?"):
        return count <= _MAX_QUESTION_WORDS
    return count <= _MAX_HEADING_WORDS and text[-1] not in ".,;!" and not text[0].islower()
