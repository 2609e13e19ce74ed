"""Related articles (a title, then a quick answer): schedules, ticket categories, scenarios.

These arrive as summaries, often cut off ("..."): whatever is built from them is marked
summary-only, and a cut-off sentence is never turned into a step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sopdesk.playbooks.importer.fields import FieldDraft, field_list
from sopdesk.playbooks.importer.lines import item_role
from sopdesk.playbooks.importer.org import email_addresses, team_names
from sopdesk.playbooks.importer.reader import Item
from sopdesk.playbooks.importer.related_steps import CUT, scenario_from
from sopdesk.playbooks.importer.scenarios import ScenarioDraft
from sopdesk.playbooks.importer.text import clean, label_case, quoted, sentences, strip_quotes
from sopdesk.playbooks.importer.vocab import WEEKDAYS, Role

_DAY = r"(?P<day>" + "|".join(WEEKDAYS) + r")"
_CYCLE_PART = re.compile(
    _DAY + r"s?\b(?:\s*\((?P<note>[^)]*)\))?\s*[-\u2013\u2014:]\s*(?P<what>.+)", re.I
)
_CYCLE_ROLES = (
    ("submit_by", re.compile(r"\b(submit|sen[dt]|request|raise)", re.I)),
    ("initiated_on", re.compile(r"\b(initiat|process|verif|releas|approv)", re.I)),
    ("completed_on", re.compile(r"\b(credit|complet|receiv|reflect|deliver|paid)", re.I)),
)
_EVERY = re.compile(r"\b(?:every|each|on)\s+" + _DAY + r"s?\b", re.I)
_MONTH_END = re.compile(
    r"\blast\s+(?:day|date|business day|working day)\s+of\s+(?:the|each|every)\s+month\b", re.I
)
_CYCLE_NAME = re.compile(r"\b(weekly\s+[\w -]*?cycle)\b", re.I)
_TICKET = re.compile(
    r"\bticket\b[^.]*?(?:\b(?:under|in|with|as)\s+(?:the\s+)?[\"\u201c](?P<a>[^\"\u201d]+)[\"\u201d]"
    r"\s+(?:category|type|queue)|\s\((?P<b>[^)]+)\))",
    re.I,
)
_MANDATORY = re.compile(
    r"\b(?:mandatory|required)\s+(?:details|fields|information)\s*[(:]\s*(?P<list>[^)]+)", re.I
)


@dataclass
class Article:
    title: str
    body: str
    lines: list[int]

    @property
    def cut(self) -> bool:
        return bool(CUT.search(self.body))

    @property
    def team(self) -> str | None:
        named = team_names(f"{self.title} {self.body}")
        if named:
            return named[0]
        for address in email_addresses(self.body):
            return label_case(address.split("@")[0].replace(".", " "))
        return None


@dataclass
class CycleDraft:
    name: str
    team: str
    days: dict[str, str]
    completed_at: str | None
    article: Article


@dataclass
class ReminderDraft:
    name: str
    team: str
    weekdays: list[str]
    last_day_of_month: bool
    message: str
    article: Article


@dataclass
class CategoryDraft:
    name: str
    team: str
    fields: list[FieldDraft]
    article: Article


@dataclass
class RelatedFound:
    cycles: list[CycleDraft] = field(default_factory=list)
    reminders: list[ReminderDraft] = field(default_factory=list)
    categories: list[CategoryDraft] = field(default_factory=list)
    scenarios: list[tuple[ScenarioDraft, Article]] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def related_articles(items: list[Item]) -> list[Article]:
    """Articles after a "Related articles" heading: each title with the text under it."""
    articles: list[Article] = []
    inside = False
    for item in items:
        if item_role(item) is Role.RELATED:
            inside = True
        elif inside and item.heading and item.key is None:
            articles.append(Article(item.text, "", [item.line]))
        elif inside and articles:
            articles[-1].body = clean(f"{articles[-1].body} {item.value or item.text}")
            articles[-1].lines.append(item.line)
    return articles


def extract_related(items: list[Item]) -> RelatedFound:
    found = RelatedFound()
    articles = related_articles(items)
    for article in articles:
        if article.team is None:
            continue
        placed = _schedule(article, article.team, found) or _category(article, article.team, found)
        if placed:
            found.used.update(article.lines)
    for article in articles:
        scenario = scenario_from(article, found.categories)
        if scenario is not None:
            found.scenarios.append((scenario, article))
            found.used.update(article.lines)
    return found


def _schedule(article: Article, team: str, found: RelatedFound) -> bool:
    cycle = _cycle(article, team)
    if cycle is not None:
        found.cycles.append(cycle)
        return True
    weekdays = [m.group("day").lower() for m in _EVERY.finditer(article.body)]
    month_end = bool(_MONTH_END.search(article.body))
    if not (weekdays or month_end):
        return False
    names = quoted(article.body)
    found.reminders.append(
        ReminderDraft(
            name=label_case(names[0] if names else article.title.rstrip("?")),
            team=team,
            weekdays=list(dict.fromkeys(weekdays)),
            last_day_of_month=month_end,
            message=strip_quotes(sentences(article.body)[0]),
            article=article,
        )
    )
    return True


def _cycle(article: Article, team: str) -> CycleDraft | None:
    days: dict[str, str] = {}
    completed_at = None
    for part in re.split(r"\u2022|\s\*\s", article.body):
        match = _CYCLE_PART.search(part.strip())
        if match is None:
            continue
        for role, pattern in _CYCLE_ROLES:
            if role not in days and pattern.search(match.group("what")):
                days[role] = match.group("day").lower()
                if role == "completed_on" and match.group("note"):
                    completed_at = match.group("note")
                break
    if len(days) < len(_CYCLE_ROLES):
        return None
    named = _CYCLE_NAME.search(f"{article.title} {article.body}")
    name = label_case(named.group(1)) if named else label_case(article.title.rstrip("?"))
    return CycleDraft(name, team, days, completed_at, article)


def _category(article: Article, team: str, found: RelatedFound) -> bool:
    ticket = _TICKET.search(article.body)
    mandatory = _MANDATORY.search(article.body)
    if ticket is None or mandatory is None:
        return False
    name = clean(ticket.group("a") or ticket.group("b") or "")
    fields = field_list(mandatory.group("list"))
    if not name or not fields:
        return False
    found.categories.append(CategoryDraft(label_case(name), team, fields, article))
    return True
