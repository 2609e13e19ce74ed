"""Search an org's articles: keyword, semantic, or both (the default), and say when nothing fits.

Combined ranking is the semantic cosine plus a small bonus for keyword matches, scaled to the
best keyword score of the query (so 0..KEYWORD_WEIGHT): the embedding decides, and shared words
break near-ties. Reciprocal-rank fusion was worse than the embedding alone, because it lets a
poor keyword ranking outvote a confident semantic one.

"No good match": an article is shown when its semantic cosine reaches MIN_SCORE (the one score
whose meaning does not depend on the query or the size of the knowledge base; it sits above what
questions about something else score, under 0.34 in bench/data/kb_unrelated.txt), or, in
combined search, when it contains every content word of the query. The second rule is for the
agent who types "badge number" or "NEFT": a few keywords carry little meaning for the embedding
(cosines of 0.15-0.3) but finding them all in one article is strong evidence. Likewise, when the
keyword and the semantic rankings both put the same article first, its cosine needs only reach
AGREEMENT_FLOOR (above 99% of unrelated questions). The bench measures what is refused and what
is wrongly refused, on StackFAQ and on the seed articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from sqlalchemy.orm import Session

from sopdesk.kb.embed import Embedder, get_embedder
from sopdesk.kb.hits import Hit, load_hits
from sopdesk.kb.index import org_vectors
from sopdesk.kb.keyword import keyword_hits

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kb-keyword")
MIN_SCORE = 0.40
AGREEMENT_FLOOR = 0.30
KEYWORD_WEIGHT = 0.1
KEYWORD_CANDIDATES = 50


class Mode(StrEnum):
    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    COMBINED = "combined"


@dataclass(frozen=True)
class Ranked:
    article_id: int
    score: float
    semantic: float | None
    keyword: float | None


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: Mode
    hits: list[Hit]
    no_good_match: bool
    best_semantic: float | None  # the best cosine in the org, refused or not


def _positions(article_ids: np.ndarray, wanted: list[int]) -> list[int | None]:
    """Where each wanted id sits in the ascending `article_ids` (None: not there)."""
    if not len(article_ids) or not wanted:
        return [None] * len(wanted)
    found = np.minimum(np.searchsorted(article_ids, wanted), len(article_ids) - 1)
    return [int(p) if article_ids[p] == w else None for p, w in zip(found, wanted, strict=True)]


def rank(
    article_ids: np.ndarray,
    semantic: np.ndarray,
    keyword: list[tuple[int, float]],
    limit: int,
    min_score: float | None,
    every_word: Sequence[int] = (),
    keyword_weight: float = KEYWORD_WEIGHT,
) -> list[Ranked]:
    """Pure fusion: `semantic[i]` is the cosine of `article_ids[i]` (ascending ids); articles
    under `min_score` are left out unless listed in `every_word`."""
    fused = semantic.astype(np.float64)
    kw_score: dict[int, float] = {}
    if keyword and keyword_weight:
        best = max(score for _, score in keyword) or 1.0
        for (article_id, score), pos in zip(
            keyword, _positions(article_ids, [a for a, _ in keyword]), strict=True
        ):
            if pos is not None:
                fused[pos] += keyword_weight * max(score, 0.0) / best
                kw_score[article_id] = score
    if min_score is not None:
        allowed = semantic >= min_score
        for pos in _positions(article_ids, list(every_word)):
            if pos is not None:
                allowed[pos] = True
        first = _positions(article_ids, [keyword[0][0]])[0] if keyword else None
        if first is not None and first == int(np.argmax(semantic)):
            allowed[first] |= semantic[first] >= AGREEMENT_FLOOR  # both rankers put it first
        fused[~allowed] = -np.inf
    count = min(limit, int(np.isfinite(fused).sum()))
    if count <= 0:
        return []
    top = np.argpartition(-fused, count - 1)[:count]
    top = top[np.argsort(-fused[top], kind="stable")]
    return [
        Ranked(
            int(article_ids[i]),
            float(fused[i]),
            float(semantic[i]),
            kw_score.get(int(article_ids[i])),
        )
        for i in top
    ]


def search(
    session: Session,
    org_id: str,
    query: str,
    *,
    mode: Mode = Mode.COMBINED,
    limit: int = 5,
    min_score: float | None = MIN_SCORE,
    embedder: Embedder | None = None,
) -> SearchResult:
    """The org's best articles for `query`; none, and `no_good_match`, when nothing fits."""
    if not query.strip() or limit <= 0:
        return SearchResult(query, mode, [], True, None)
    ranked, best = _ranked(session, org_id, query, mode, limit, min_score, embedder)
    hits = load_hits(
        session, org_id, [(r.article_id, r.score, r.semantic, r.keyword) for r in ranked]
    )
    return SearchResult(query, mode, hits, not hits, best)


def _keywords(
    session: Session, org_id: str, query: str, every_word: bool
) -> tuple[list[tuple[int, float]], list[int]]:
    """Keyword matches, and the articles holding every content word (when asked and any)."""
    keyword = keyword_hits(session, org_id, query, KEYWORD_CANDIDATES)
    if not (every_word and keyword):
        return keyword, []
    found = keyword_hits(session, org_id, query, KEYWORD_CANDIDATES, every_word=True)
    return keyword, [a for a, _ in found]


def _ranked(
    session: Session,
    org_id: str,
    query: str,
    mode: Mode,
    limit: int,
    min_score: float | None,
    embedder: Embedder | None,
) -> tuple[list[Ranked], float | None]:
    if mode is Mode.KEYWORD:
        found = keyword_hits(session, org_id, query, limit)
        return [Ranked(a, s, None, s) for a, s in found], None
    embedder = embedder or get_embedder()
    vectors = org_vectors(session, org_id, embedder.model_id)
    if not len(vectors.article_ids):
        return [], None
    pending = None
    if mode is Mode.COMBINED:
        # The database ranks keywords on one core while the model embeds on the other; the
        # session is used by the worker alone until its result is in.
        pending = _POOL.submit(_keywords, session, org_id, query, min_score is not None)
    try:
        semantic = vectors.scores(embedder.encode([query])[0])
    finally:  # never hand the session back while the worker may still be using it
        keyword, every_word = pending.result() if pending else ([], [])
    ranked = rank(vectors.article_ids, semantic, keyword, limit, min_score, every_word)
    return ranked, float(semantic.max())
