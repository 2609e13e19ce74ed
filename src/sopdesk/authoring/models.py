"""A playbook draft on its way to publication: its text, its folder's other files, and who
wrote, submitted, reviewed and published it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.db import Base, UtcDateTime


class DraftStatus(StrEnum):
    DRAFT = "draft"  # the author edits it
    IN_REVIEW = "in_review"  # submitted: frozen until approved or sent back
    APPROVED = "approved"  # another person approved this exact text
    PUBLISHED = "published"  # a version now; the draft is kept as its history
    DISCARDED = "discarded"


class PlaybookDraft(Base):
    __tablename__ = "playbook_draft"
    __table_args__ = (Index("ix_playbook_draft_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=DraftStatus.DRAFT.value)
    content: Mapped[str] = mapped_column(Text)  # the playbook's YAML
    # The folder's other files (tests/*.yaml, TRACEABILITY.md, articles/*.md): path -> text.
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The version that was live when the draft was made, then when it was submitted: what its
    # review compared it with. Publishing refuses when another version has gone live since.
    base_version: Mapped[str | None] = mapped_column(String(64), default=None)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Why the reviewer sent it back (the author reads it on the draft).
    review_note: Mapped[str | None] = mapped_column(Text, default=None)
    published_version: Mapped[str | None] = mapped_column(String(64), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
