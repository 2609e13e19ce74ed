"""Scenarios from related articles that tell the agent what to do: one step per instruction,
a check first when the article opens with "If ...", and a summary-only mark when cut off.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sopdesk.playbooks.importer.branches import check_step, condition_of
from sopdesk.playbooks.importer.scenarios import ScenarioDraft, add_step
from sopdesk.playbooks.importer.steps import split_compound, starts_with_verb
from sopdesk.playbooks.importer.text import label_case, sentences

if TYPE_CHECKING:  # related.py imports this module; the types are only annotations here
    from sopdesk.playbooks.importer.related import Article, CategoryDraft

CUT = re.compile(r"(?:\.{3}|\u2026)\s*$")
_IF = re.compile(r"^(?:if|when)\s+(?P<cond>[^,]+),\s*(?P<rest>.+)$", re.I)
_TITLE_SUBJECT = re.compile(r"\b(?:when|handle|if)\s+(?P<x>[^?,\u2014]+)", re.I)
_LEAD_IN = re.compile(r"^[A-Z][\w ]{0,30}:\s+")
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)


def scenario_from(article: Article, categories: list[CategoryDraft]) -> ScenarioDraft | None:
    """A scenario from an article that tells the agent what to do."""
    instructions = _instructions(article.body)
    if not instructions:
        return None
    draft = ScenarioDraft(_scenario_name(article), article.lines[0], team=article.team)
    for condition, text in instructions:
        if condition is not None:
            # "If X, do Y" opens the article: the agent checks X before anything else.
            draft.steps.append(check_step(condition, article.lines[-1]))
        add_step(draft, text, article.lines[-1])
        lowered = text.lower()
        for category in categories:
            # Raising a ticket of a known category means taking that category's fields.
            if "ticket" in lowered and category.name.lower() in lowered:
                known = {f.id for f in draft.fields}
                draft.fields.extend(f for f in category.fields if f.id not in known)
                draft.steps[-1].collect.extend(f.id for f in category.fields)
    if article.cut:
        draft.description = "The source gives only a summary of this article (it is cut off)."
        draft.summary = " ".join(_parts(article.body))
    return draft


def _scenario_name(article: Article) -> str:
    condition = _IF.match(_parts(article.body)[0]) if _parts(article.body) else None
    if condition:
        return label_case(_ARTICLE.sub("", condition.group("cond")))
    subject = _TITLE_SUBJECT.search(article.title)
    if subject:
        return label_case(_ARTICLE.sub("", subject.group("x").strip()))
    return label_case(article.title.rstrip("?"))


def _parts(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\u2022", body) if p.strip()]


def _instructions(body: str) -> list[tuple[str | None, str]]:
    """Sentences that instruct, each with the "If ..." condition it opens with, if any.

    Questions and what is lost to a cut-off are left out.
    """
    found: list[tuple[str | None, str]] = []
    for part in _parts(body):
        for sentence in sentences(part):
            sentence = _complete(_LEAD_IN.sub("", sentence))
            checked = condition_of(sentence)
            condition = _IF.match(sentence)
            sentence = condition.group("rest") if condition else sentence
            if not sentence or sentence.endswith("?"):
                continue
            for text in (c for c in split_compound(sentence) if starts_with_verb(c)):
                found.append((checked[0] if checked else None, text))
                checked = None
    return found


def _complete(sentence: str) -> str:
    """What can be kept of a sentence cut off by "...": a list is closed, a clause dropped."""
    if not CUT.search(sentence):
        return sentence
    kept = CUT.sub("", sentence).rstrip()
    if kept.count("(") > kept.count(")"):
        return f"{kept.rstrip(' ,;')})"
    return kept.rsplit(";", 1)[0] if ";" in kept else ""
