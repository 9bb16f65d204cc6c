"""People and programs that moderate: user accounts, their sites, and API keys."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discuss.models.base import Base, UTCDateTime, str_enum, utcnow
from discuss.models.site import Site


class Role(enum.StrEnum):
    """``admin`` runs every site (settings, keys, users); ``moderator`` the sites assigned."""

    ADMIN = "admin"
    MODERATOR = "moderator"


user_sites = sa.Table(
    "user_sites",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_id", sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A moderator or admin who signs in to the admin view; the password is a slow hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.MODERATOR)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    sites: Mapped[list[Site]] = relationship(secondary=user_sites, lazy="selectin",
                                             order_by=Site.slug)

    @property
    def is_admin(self) -> bool:
        """Admins act on every site."""
        return self.role is Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.name} {self.role.value}>"


class ApiKey(Base):
    """A credential for programs; only a hash of the secret is kept, the prefix names it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), default=None
    )
    created_by: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    site: Mapped[Site | None] = relationship(lazy="joined")

    @property
    def scope(self) -> str:
        """The site slug the key is limited to, or ``*`` for every site."""
        return self.site.slug if self.site else "*"
