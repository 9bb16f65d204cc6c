"""A thread: the comments under one article of a site."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discuss.models.base import Base, UTCDateTime, utcnow
from discuss.models.site import Site

THREAD_KEY_MAX = 512


class Thread(Base):
    """Addressed by ``(site, key)``; carries the approved-comment count and a change version."""

    __tablename__ = "threads"
    __table_args__ = (sa.UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(THREAD_KEY_MAX))
    url: Mapped[str | None] = mapped_column(sa.String(2048), default=None)
    title: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    locked: Mapped[bool] = mapped_column(default=False)
    comment_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship(lazy="joined", innerjoin=True)

    def is_closed(self, now: datetime | None = None) -> bool:
        """Locked by a moderator, or older than the site's auto-close age."""
        return thread_closed(self.locked, self.created_at, self.site.auto_close_days, now)


def thread_closed(locked: bool, created_at: datetime, auto_close_days: int | None,
                  now: datetime | None = None) -> bool:
    """The rule of ``Thread.is_closed``, for reads that take a thread's columns only."""
    if locked:
        return True
    if auto_close_days:
        return (now or utcnow()) - created_at > timedelta(days=auto_close_days)
    return False
