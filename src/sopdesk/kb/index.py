"""The vectors of an org's current articles, held in memory and searched by brute force.

At 100,000 articles that is a 150 MB float32 matrix and one matrix-vector product per query
(a few milliseconds), so no approximate index is needed. Each process keeps one matrix per org
and reloads it when the org's stamp in `kb_index_state` changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sopdesk.kb.embed import DIM, Vectors
from sopdesk.kb.models import Article, ArticleVersion, KbIndexState


@dataclass(frozen=True)
class OrgVectors:
    stamp: str
    article_ids: npt.NDArray[np.int64]
    matrix: Vectors  # one unit-length row per article, in `article_ids` order

    def scores(self, query: Vectors) -> Vectors:
        """Cosine similarity of every article to a unit-length query vector."""
        return self.matrix @ query


_EMPTY = OrgVectors("", np.zeros(0, dtype=np.int64), np.zeros((0, DIM), dtype=np.float32))
_cache: dict[tuple[str, str, str], OrgVectors] = {}
_lock = threading.Lock()


def org_vectors(session: Session, org_id: str, model_id: str) -> OrgVectors:
    """The org's article vectors of `model_id`, from this process's cache while still current."""
    stamp = session.scalar(select(KbIndexState.stamp).where(KbIndexState.org_id == org_id))
    if stamp is None:
        return _EMPTY
    key = (session.get_bind().engine.url.render_as_string(), org_id, model_id)
    cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    with _lock:  # one loader per process; the others wait and then reuse its matrix
        cached = _cache.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached
        loaded = _load(session, org_id, model_id, stamp)
        _cache[key] = loaded
        return loaded


def _load(session: Session, org_id: str, model_id: str, stamp: str) -> OrgVectors:
    current = (
        (ArticleVersion.article_id == Article.id)
        & (ArticleVersion.number == Article.current_version)
        & (ArticleVersion.embedding_model == model_id)
        & ArticleVersion.embedding.is_not(None)
    )
    count = session.scalar(
        select(func.count())
        .select_from(Article)
        .join(ArticleVersion, current)
        .where(Article.org_id == org_id)
    )
    # Filled in chunks: peak memory stays near the matrix itself (150 MB at 100,000 articles).
    ids = np.zeros(count or 0, dtype=np.int64)
    matrix = np.zeros((count or 0, DIM), dtype=np.float32)
    rows = session.execute(
        select(Article.id, ArticleVersion.embedding)
        .join(ArticleVersion, current)
        .where(Article.org_id == org_id)
        .order_by(Article.id)
        .execution_options(yield_per=5_000)
    )
    filled = 0
    for chunk in rows.partitions():
        chunk = chunk[: len(ids) - filled]  # rows added since the count wait for the next stamp
        ids[filled : filled + len(chunk)] = [r[0] for r in chunk]
        blob = b"".join(r[1] or b"" for r in chunk)
        matrix[filled : filled + len(chunk)] = np.frombuffer(blob, dtype="<f2").reshape(-1, DIM)
        filled += len(chunk)
    return OrgVectors(stamp, ids[:filled], matrix[:filled])
