"""Comments, and what readers attach to them: votes and flags."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discuss.models.base import Base, UTCDateTime, str_enum, utcnow
from discuss.models.thread import Thread


class CommentStatus(enum.StrEnum):
    """Only ``approved`` comments are public."""

    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    REJECTED = "rejected"
    DELETED = "deleted"


class FlagReason(enum.StrEnum):
    """Why a reader reports a comment."""

    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off-topic"
    OTHER = "other"


class Comment(Base):
    """One comment; ``root_id`` and ``depth`` let a page of a thread load in two queries."""

    __tablename__ = "comments"
    __table_args__ = (
        sa.Index("ix_comments_thread_roots", "thread_id", "depth", "created_at"),
        sa.Index("ix_comments_root_id_status", "root_id", "status"),
        sa.Index("ix_comments_status_created_at", "status", "created_at"),
        sa.Index("ix_comments_author_email", "author_email"),
        sa.Index("ix_comments_thread_body_hash", "thread_id", "body_hash"),
        sa.Index("ix_comments_author_ip_created_at", "author_ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), default=None
    )
    root_id: Mapped[int | None] = mapped_column(default=None)
    depth: Mapped[int] = mapped_column(default=0)
    status: Mapped[CommentStatus] = mapped_column(
        str_enum(CommentStatus), default=CommentStatus.PENDING
    )
    author_name: Mapped[str | None] = mapped_column(sa.String(100), default=None)
    author_email: Mapped[str | None] = mapped_column(sa.String(254), default=None)
    author_url: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    author_ip: Mapped[str | None] = mapped_column(sa.String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    avatar: Mapped[str] = mapped_column(sa.String(64), default="")
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    body_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    notify_replies: Mapped[bool] = mapped_column(default=False)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    likes: Mapped[int] = mapped_column(default=0)
    dislikes: Mapped[int] = mapped_column(default=0)
    flag_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    thread: Mapped[Thread] = relationship(lazy="joined", innerjoin=True)

    @property
    def check_results(self) -> list[dict[str, Any]]:
        """What each check said when the comment came in, for moderators and the API; the
        stored list also remembers what learning checks were taught later."""
        return [r for r in self.checks or [] if isinstance(r, dict) and "verdict" in r]

    @property
    def is_public(self) -> bool:
        """Readers see approved comments only."""
        return self.status is CommentStatus.APPROVED


class Vote(Base):
    """One reader's vote on one comment; changing it updates the comment's counters."""

    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("comment_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Flag(Base):
    """A reader's report that a comment breaks the rules."""

    __tablename__ = "flags"
    __table_args__ = (sa.UniqueConstraint("comment_id", "reporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reporter: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[FlagReason] = mapped_column(str_enum(FlagReason))
    note: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
