"""A site: one news website (tenant) and its comment settings."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from discuss.models.base import Base, UTCDateTime, str_enum, utcnow


class ModerationMode(enum.StrEnum):
    """``pre`` holds everything; ``post`` publishes unless a check holds it."""

    PRE = "pre"
    POST = "post"


class Site(Base):
    """A tenant, addressed by its slug."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    origins: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    moderation: Mapped[ModerationMode] = mapped_column(
        str_enum(ModerationMode, 8), default=ModerationMode.POST
    )
    closed: Mapped[bool] = mapped_column(default=False)
    max_depth: Mapped[int] = mapped_column(default=5)
    edit_window_seconds: Mapped[int] = mapped_column(default=900)
    max_links: Mapped[int] = mapped_column(default=2)
    auto_close_days: Mapped[int | None] = mapped_column(default=None)
    require_email: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.String(16), default="en")
    privacy_url: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    flag_threshold: Mapped[int] = mapped_column(default=3)
    spam_checks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    settings_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Site {self.slug}>"


@dataclass(frozen=True)
class SiteSnapshot:
    """A site's row as one read found it, for requests that only read their site.

    A comment's post reads its site three times (CORS, the flood limit, the service); as an
    entity that read cost a seventh of the post. Fields mirror ``Site``'s columns (a test
    holds them equal), so code that only reads a site takes either.
    """

    id: int
    slug: str
    name: str
    origins: list[str]
    moderation: ModerationMode
    closed: bool
    max_depth: int
    edit_window_seconds: int
    max_links: int
    auto_close_days: int | None
    require_email: bool
    language: str
    privacy_url: str | None
    flag_threshold: int
    spam_checks: list[dict[str, Any]]
    settings_version: int
    created_at: datetime
