"""Agent assist: articles for the call in progress, from its line, its scenario and what the
agent types. The call screen shows these; one click there records "tried this FAQ" with the
article's slug and version (`kb.service.get_article`)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sopdesk.kb.embed import Embedder
from sopdesk.kb.hits import Hit, load_hits
from sopdesk.kb.models import Article
from sopdesk.kb.search import search

# Small enough that a clearly better article from elsewhere still comes first.
SCENARIO_BOOST = 0.05
LINE_BOOST = 0.03


def _like(item: str) -> str:
    return "% " + item.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + " %"


def suggest(
    session: Session,
    org_id: str,
    line_id: str | None,
    scenario_id: str | None,
    text: str | None,
    limit: int = 5,
    embedder: Embedder | None = None,
) -> list[Hit]:
    """Articles for a call: matches for `text` (none when nothing fits), those of the call's
    scenario and line first among equals; with no text yet, the scenario's and the line's."""
    if text and text.strip():
        result = search(session, org_id, text, limit=limit + 10, embedder=embedder)

        def boosted(hit: Hit) -> float:
            bonus = SCENARIO_BOOST if scenario_id and scenario_id in hit.scenarios else 0.0
            return hit.score + bonus + (LINE_BOOST if line_id and line_id in hit.lines else 0.0)

        ordered = sorted(result.hits, key=boosted, reverse=True)[:limit]
        return [replace(hit, score=boosted(hit)) for hit in ordered]
    wanted = [f"scenario:{scenario_id}"] if scenario_id else []
    wanted += [f"line:{line_id}"] if line_id else []
    if not wanted:
        return []
    rows = session.execute(
        select(Article.id, Article.applies_to)
        .where(
            Article.org_id == org_id,
            or_(*(Article.applies_to.like(_like(w), escape="\\") for w in wanted)),
        )
        .order_by(Article.title)
    ).all()

    def weight(applies_to: str) -> float:
        return sum(1.0 / (i + 1) for i, w in enumerate(wanted) if f" {w} " in applies_to)

    ranked = sorted(((r.id, weight(r.applies_to)) for r in rows), key=lambda r: -r[1])[:limit]
    return load_hits(session, org_id, [(a, s, None, None) for a, s in ranked])
