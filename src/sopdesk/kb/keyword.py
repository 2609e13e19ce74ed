"""Keyword search: SQLite FTS5 ranked by bm25, or PostgreSQL full text ranked by ts_rank.

A question is turned into the OR of its content words: an agent types "client wants to talk to
legal", and requiring every word (the default of both engines) would find nothing. Common words
are dropped first: they say nothing about which article is meant. Ranking costs about a
microsecond for each article that contains a query word, so on a large index the most common
words of a query are left out once the articles to rank would pass DF_BUDGET: they carry the
least weight in bm25 anyway, and keeping them would make a query over 100,000 articles take
100 ms instead of 20.
"""

from __future__ import annotations

import re
import threading
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_TERMS = 32
DF_BUDGET = 10_000
# PostgreSQL reads each matching row's tsvector from the table to rank it: about 8 us a row
# against FTS5's 1 us, so it gets a smaller budget.
DF_BUDGET_POSTGRESQL = 2_000
DF_TTL = 600.0  # seconds a word's document count is trusted: it only steers what to skip
_STOPWORDS = """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours s t d ll m re ve don doesn didn isn wasn weren won"""
STOPWORDS = frozenset(_STOPWORDS.split())

# The best FTS matches first, then the org's among them: joining every match to its article
# (to check the org) costs more than ranking it. When other orgs crowd the first matches out,
# the exact query below runs instead.
_SQLITE_FAST = text(
    "SELECT a.id, m.score FROM (SELECT rowid, -bm25(kb_article_fts, 2.0, 1.0) AS score "
    "FROM kb_article_fts WHERE kb_article_fts MATCH :match "
    "ORDER BY bm25(kb_article_fts, 2.0, 1.0) LIMIT :window) m "
    "JOIN kb_article a ON a.id = m.rowid WHERE a.org_id = :org ORDER BY m.score DESC LIMIT :limit"
)
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


_SQLITE_COUNT = text("SELECT count(*) FROM kb_article_fts WHERE kb_article_fts MATCH :match")
_POSTGRESQL_COUNT = text(
    "SELECT count(*) FROM kb_article WHERE search_tsv @@ websearch_to_tsquery('english', :match)"
)
_df: dict[tuple[str, str], tuple[int, float]] = {}
_df_lock = threading.Lock()


def document_frequency(session: Session, word: str) -> int:
    """How many articles (of every org: it is a cost, not a score) contain `word`, cached."""
    key = (session.get_bind().engine.url.render_as_string(), word)
    cached = _df.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[1] < DF_TTL:
        return cached[0]
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = _POSTGRESQL_COUNT if postgres else _SQLITE_COUNT
    count = int(session.scalar(statement, {"match": word if postgres else f'"{word}"'}) or 0)
    with _df_lock:
        if len(_df) > 100_000:
            _df.clear()
        _df[key] = (count, now)
    return count


def affordable(session: Session, words: list[str]) -> list[str]:
    """The rarest words whose articles together stay within the budget (at least one word)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    budget = DF_BUDGET_POSTGRESQL if postgres else DF_BUDGET
    counts = {w: document_frequency(session, w) for w in words}
    chosen: list[str] = []
    total = 0
    for word in sorted(words, key=counts.__getitem__):
        if chosen and total + counts[word] > budget:
            break
        chosen.append(word)
        total += counts[word]
    return [w for w in words if w in chosen]


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
    if not every_word:
        words = affordable(session, words)
    if session.get_bind().dialect.name == "postgresql":
        match = (" " if every_word else " or ").join(words)
        rows = session.execute(_POSTGRESQL, {"match": match, "org": org_id, "limit": limit})
        return [(int(article_id), float(score)) for article_id, score in rows]
    match = (" AND " if every_word else " OR ").join(f'"{w}"' for w in words)
    params = {"match": match, "org": org_id, "limit": limit, "window": limit * 4}
    found = [(int(a), float(score)) for a, score in session.execute(_SQLITE_FAST, params)]
    if len(found) < limit and _matches_fill_window(session, params):
        found = [(int(a), float(score)) for a, score in session.execute(_SQLITE, params)]
    return found


def _matches_fill_window(session: Session, params: dict[str, object]) -> bool:
    """Whether the fast query saw only part of the matches (so other orgs may have crowded)."""
    window = int(str(params["window"]))
    count = session.scalar(
        text(
            "SELECT count(*) FROM (SELECT rowid FROM kb_article_fts "
            "WHERE kb_article_fts MATCH :match LIMIT :window)"
        ),
        {"match": params["match"], "window": window},
    )
    return int(count or 0) >= window
