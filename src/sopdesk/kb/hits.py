"""What a search shows for an article: its quick answer first, then its related articles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.kb.models import Article, ArticleVersion


@dataclass(frozen=True)
class RelatedArticle:
    slug: str
    title: str
    quick_answer: str | None
    summary_only: bool


@dataclass(frozen=True)
class Hit:
    """One article found for a query; `score` orders hits, `semantic` is the cosine."""

    article_id: int
    slug: str
    title: str
    quick_answer: str | None
    version: int
    score: float
    semantic: float | None = None
    keyword: float | None = None
    when_to_use: str | None = None
    steps: tuple[str, ...] = ()
    summary_only: bool = False
    lines: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    related: tuple[RelatedArticle, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "slug": self.slug,
            "title": self.title,
            "quick_answer": self.quick_answer,
            "score": round(self.score, 4),
            "semantic": None if self.semantic is None else round(self.semantic, 4),
            "keyword": None if self.keyword is None else round(self.keyword, 4),
            "version": self.version,
            "summary_only": self.summary_only,
            "related": [{"slug": r.slug, "title": r.title} for r in self.related],
        }


_CURRENT = (ArticleVersion.article_id == Article.id) & (
    ArticleVersion.number == Article.current_version
)


def _current_fields(
    session: Session, org_id: str, *conditions: Any
) -> list[tuple[Article, dict[str, Any]]]:
    rows = session.execute(
        select(Article, ArticleVersion.fields)
        .join(ArticleVersion, _CURRENT)
        .where(Article.org_id == org_id, *conditions)
    )
    return list(rows)


def load_hits(
    session: Session,
    org_id: str,
    ranked: Sequence[tuple[int, float, float | None, float | None]],
) -> list[Hit]:
    """Hits for (article id, score, semantic, keyword) tuples, in the order given."""
    if not ranked:
        return []
    rows = _current_fields(session, org_id, Article.id.in_([r[0] for r in ranked]))
    by_id = {article.id: (article, fields) for article, fields in rows}
    wanted = {slug for _, fields in rows for slug in fields.get("related", [])}
    related = {
        article.slug: RelatedArticle(
            article.slug, article.title, fields.get("quick_answer"), bool(fields["summary_only"])
        )
        for article, fields in (
            _current_fields(session, org_id, Article.slug.in_(wanted)) if wanted else []
        )
    }
    hits = []
    for article_id, score, semantic, keyword in ranked:
        if article_id not in by_id:  # another org's id can never come back from here
            continue
        article, f = by_id[article_id]
        hits.append(
            Hit(
                article_id=article.id,
                slug=article.slug,
                title=article.title,
                quick_answer=f.get("quick_answer"),
                version=article.current_version,
                score=score,
                semantic=semantic,
                keyword=keyword,
                when_to_use=f.get("when_to_use"),
                steps=tuple(f.get("steps", ())),
                summary_only=bool(f.get("summary_only")),
                lines=tuple(f.get("lines", ())),
                scenarios=tuple(f.get("scenarios", ())),
                related=tuple(related[s] for s in f.get("related", ()) if s in related),
            )
        )
    return hits
