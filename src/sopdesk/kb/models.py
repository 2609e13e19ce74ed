"""Tables of the kb room: articles, their versions (history, vectors), an index generation.

The full-text indexes are not mapped here: on SQLite an FTS5 table kept in step with `kb_article`
by triggers, on PostgreSQL a generated tsvector column; both are made by the kb migrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.db import Base, UtcDateTime


class Article(Base):
    """An org's article; the searchable text is the current version's, copied here for the index."""

    __tablename__ = "kb_article"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text)
    # " line:psos scenario:irs ": what the article applies to, for suggestions with no text yet.
    applies_to: Mapped[str] = mapped_column(String(2000), default=" ")
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ArticleVersion(Base):
    """One saved content of an article: kept for ever, so its history can be read back."""

    __tablename__ = "kb_article_version"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        Index("ix_kb_article_version_org_id", "org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    # The org again, so that no query for a version can forget the tenant.
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(320), default=None)
    # Unit-length float16 vector of `embedding_model`; None until embedded.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedding_model: Mapped[str | None] = mapped_column(String(100), default=None)


class KbIndexState(Base):
    """A new random stamp with every change to an org's articles: tells every process, and every
    web worker, that its in-memory vectors of that org are stale. Random rather than a counter so
    that a recreated database can never repeat a stamp that a process has cached."""

    __tablename__ = "kb_index_state"

    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
