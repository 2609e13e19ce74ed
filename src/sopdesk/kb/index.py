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
from sqlalchemy import select
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
    rows = session.execute(
        select(Article.id, ArticleVersion.embedding)
        .join(
            ArticleVersion,
            (ArticleVersion.article_id == Article.id)
            & (ArticleVersion.number == Article.current_version),
        )
        .where(
            Article.org_id == org_id,
            ArticleVersion.embedding_model == model_id,
            ArticleVersion.embedding.is_not(None),
        )
        .order_by(Article.id)
    ).all()
    if not rows:
        return OrgVectors(stamp, _EMPTY.article_ids, _EMPTY.matrix)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    blob = b"".join(r[1] or b"" for r in rows)
    matrix = np.frombuffer(blob, dtype="<f2").reshape(len(rows), DIM).astype(np.float32)
    return OrgVectors(stamp, ids, matrix)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
