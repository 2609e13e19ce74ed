"""Who the document is about: the organisation's name, and the teams it mentions.

Names are always read from the text (capitalised words, email domains, "the X team",
"we'll have one of our X reach out"); the only fallback is the file's name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sopdesk.playbooks.importer.text import label_case, quoted, slug
from sopdesk.playbooks.importer.vocab import FREE_MAIL_DOMAINS, NOT_ORG_NAMES

_TOKEN = re.compile(r"[A-Za-z][\w&'\u2019-]*|[/,&]")
_SEPARATORS = frozenset({"/", ",", "&", "or", "and"})
_DETERMINERS = frozenset({"the", "our", "a", "an", "this", "that", "your", "their", "its"})
_EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+)(?:\.[\w-]+)+\b")
_REACH_OUT = re.compile(
    r"\bwe(?:'|\u2019)?ll\s+have\s+(?:one\s+of\s+|a\s+member\s+of\s+|someone\s+from\s+)?"
    r"our\s+(?P<team>[A-Za-z][\w&'\u2019 -]{1,40}?)(?:\s+team)?\s+"
    r"(?:reach\s+out|contact|call|follow\s+up|get\s+back|get\s+in\s+touch)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*\u2022]|\d+[.)])?\s*)$")
_MIN_ORG_MENTIONS = 3
_TOGETHER = 0.75  # share of a name's mentions a neighbouring word must share to belong to it


@dataclass(frozen=True)
class Org:
    id: str
    name: str


def team_names(text: str) -> list[str]:
    """Names written before the word "team": "the Sales or Billing team" gives both."""
    names: list[str] = []
    for match in re.finditer(r"\b[Tt]eams?\b", text):
        for name in _names_before(text[: match.start()]):
            if name.lower() not in {n.lower() for n in names}:
                names.append(name)
    return names


def _names_before(prefix: str) -> list[str]:
    tokens = _TOKEN.findall(prefix[-120:])
    groups: list[list[str]] = [[]]
    for token in reversed(tokens):
        lowered = token.lower()
        if lowered in _SEPARATORS:
            if not groups[-1]:
                break
            groups.append([])
        elif token[0].isupper() and lowered not in _DETERMINERS:
            groups[-1].insert(0, token)
        else:
            break
    return [" ".join(group) for group in reversed(groups) if group]


def reach_out_team(sentence: str) -> str | None:
    """The team named in "we'll have (one of) our X reach out", as a label."""
    match = _REACH_OUT.search(sentence)
    if match is None:
        return None
    name = match.group("team").strip()
    # Lower-case common nouns ("nurses") become a label; acronyms and names stay as written.
    return name if name[0].isupper() else label_case(name.title())


def email_addresses(text: str) -> list[str]:
    """Every email address in `text`, in order, without duplicates."""
    found: list[str] = []
    for match in _EMAIL.finditer(text):
        if match.group(0) not in found:
            found.append(match.group(0))
    return found


def detect_org(text: str, title: str, not_names: set[str], stem: str) -> Org:
    """The organisation the document speaks for; the file's stem when nothing says."""
    name = (
        _frequent_name(text, title, not_names, in_title=True)
        or _domain_name(text)
        or _frequent_name(text, title, not_names, in_title=False)
        or stem
    )
    return Org(id=slug(name, fallback="org", limit=3), name=label_case(name) or "Org")


def _frequent_name(text: str, title: str, not_names: set[str], in_title: bool) -> str | None:
    """A capitalised word used mid-sentence at least three times, in the title or a quote."""
    counts: Counter[str] = Counter()
    for match in _WORD.finditer(text):
        token = re.sub(r"['\u2019]s$", "", match.group(0))
        if not token[0].isupper() or token.lower() in NOT_ORG_NAMES | not_names:
            continue
        # A capital at the start of a sentence says nothing about a name.
        if _SENTENCE_START.search(text[max(0, match.start() - 8) : match.start()]):
            continue
        counts[token] += 1
    bonus = set(_WORD.findall(title))
    if not in_title:
        bonus |= {w for q in quoted(text) for w in _WORD.findall(q)}
    ranked = sorted(counts, key=lambda w: (counts[w] + 2 * (w in bonus), w), reverse=True)
    for word in ranked:
        if counts[word] >= _MIN_ORG_MENTIONS and word in bonus:
            return _with_neighbour(text, word)
    return None


def _with_neighbour(text: str, word: str) -> str:
    """ "Harbor Clinic" rather than "Clinic" when the two nearly always appear together."""
    total = len(re.findall(rf"\b{re.escape(word)}\b", text))
    pairs: Counter[str] = Counter()
    for match in re.finditer(rf"\b([A-Z][\w&-]*) {re.escape(word)}\b", text):
        pairs[f"{match.group(1)} {word}"] += 1
    for match in re.finditer(rf"\b{re.escape(word)} ([A-Z][\w&-]*)\b", text):
        pairs[f"{word} {match.group(1)}"] += 1
    best = pairs.most_common(1)
    if best and best[0][1] >= _TOGETHER * total:
        first, second = best[0][0].split(" ")
        if first.lower() not in NOT_ORG_NAMES and second.lower() not in NOT_ORG_NAMES:
            return best[0][0]
    return word


def _domain_name(text: str) -> str | None:
    for match in _EMAIL.finditer(text):
        domain = match.group(1)
        if domain.lower() not in FREE_MAIL_DOMAINS:
            # Keep the document's own spelling of the name when it writes it out.
            written = re.search(re.escape(domain), text.replace(match.group(0), ""), re.I)
            return written.group(0) if written else domain.capitalize()
    return None


def team_id(name: str) -> str:
    return slug(name, fallback="team", limit=4)
