"""Keyword search: SQLite FTS5 ranked by bm25, or PostgreSQL full text ranked by ts_rank.

A question is turned into the OR of its content words: an agent types "client wants to talk to
legal", and requiring every word (the default of both engines) would find nothing. Common words
are dropped first: they say nothing about which article is meant, and on a large index their
long posting lists are what makes a query slow.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_TERMS = 32
_STOPWORDS = """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours s t d ll m re ve don doesn didn isn wasn weren won"""
STOPWORDS = frozenset(_STOPWORDS.split())

_SQLITE = text(
    "SELECT a.id, -bm25(kb_article_fts, 2.0, 1.0) AS score FROM kb_article_fts "
    "JOIN kb_article a ON a.id = kb_article_fts.rowid "
    "WHERE kb_article_fts MATCH :match AND a.org_id = :org "
    "ORDER BY bm25(kb_article_fts, 2.0, 1.0) LIMIT :limit"
)
_POSTGRESQL = text(
    "SELECT a.id, ts_rank(a.search_tsv, q, 1) AS score "
    "FROM kb_article a, websearch_to_tsquery('english', :match) q "
    "WHERE a.org_id = :org AND a.search_tsv @@ q ORDER BY score DESC, a.id LIMIT :limit"
)


def terms(query: str) -> list[str]:
    """The query's content words, lowercased, each once, in order."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", query.lower()):
        if word not in STOPWORDS and word not in seen:
            seen[word] = None
    return list(seen)[:MAX_TERMS]


def keyword_hits(
    session: Session, org_id: str, query: str, limit: int, every_word: bool = False
) -> list[tuple[int, float]]:
    """(article id, score) of the org's best keyword matches, best first; higher is better.
    With `every_word`, only articles that contain every content word of the query."""
    words = terms(query)
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        statement, match = _POSTGRESQL, (" " if every_word else " or ").join(words)
    else:
        joiner = " AND " if every_word else " OR "
        statement, match = _SQLITE, joiner.join(f'"{w}"' for w in words)
    rows = session.execute(statement, {"match": match, "org": org_id, "limit": limit})
    return [(int(article_id), float(score)) for article_id, score in rows]
