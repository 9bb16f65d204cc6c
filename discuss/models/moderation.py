"""What moderators leave behind: bans on authors and the audit trail of every decision."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discuss.models.base import Base, UTCDateTime, str_enum, utcnow
from discuss.models.comment import CommentStatus
from discuss.models.site import Site


class BanKind(enum.StrEnum):
    """What a ban matches: an IP address or network, an email address, or a display name."""

    IP = "ip"
    EMAIL = "email"
    NAME = "name"


class Ban(Base):
    """Refuses new comments from matching authors on one site (or all, when site is NULL)."""

    __tablename__ = "bans"
    __table_args__ = (sa.Index("ix_bans_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), default=None, index=True
    )
    kind: Mapped[BanKind] = mapped_column(str_enum(BanKind, 8))
    value: Mapped[str] = mapped_column(sa.String(254))
    reason: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site | None] = relationship(lazy="joined")

    def is_active(self, now: datetime | None = None) -> bool:
        """Unexpired bans refuse comments."""
        return self.expires_at is None or self.expires_at > (now or utcnow())


def _status_type(name: str) -> sa.Enum:
    """A comment-status column whose CHECK constraint is named after the column."""
    kind = str_enum(CommentStatus)
    kind.name = name
    return kind


class AuditAction(enum.StrEnum):
    """Everything that leaves a line in the audit log."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    HAM = "ham"
    DELETE = "delete"
    RESTORE = "restore"
    HOLD = "hold"
    LOCK = "lock"
    UNLOCK = "unlock"
    BAN = "ban"
    UNBAN = "unban"
    SETTINGS = "settings"
    KEY_CREATE = "key-create"
    KEY_REVOKE = "key-revoke"
    USER_CREATE = "user-create"
    USER_UPDATE = "user-update"
    PASSWORD_REFUSED = "password-refused"  # a wrong current password at "Your account"


class AuditEvent(Base):
    """Who did what to which comment, thread or site, when, and why."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_site_id_created_at", "site_id", "created_at"),
        sa.Index("ix_audit_events_comment_id", "comment_id"),
        sa.Index("ix_audit_events_actor", "actor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), default=None
    )
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), default=None
    )
    thread_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="SET NULL"), default=None
    )
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, 16))
    previous_status: Mapped[CommentStatus | None] = mapped_column(
        _status_type("previous_status"), default=None
    )
    new_status: Mapped[CommentStatus | None] = mapped_column(
        _status_type("new_status"), default=None
    )
    note: Mapped[str | None] = mapped_column(sa.String(2000), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site | None] = relationship(lazy="joined")
