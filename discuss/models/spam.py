"""What learning spam checks remember: feature counts per site, per check."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from discuss.models.base import Base


class SpamToken(Base):
    """How often a feature (word, link host…) appeared in comments decided spam or ham.

    ``namespace`` is the learning check's name; the row with token ``""`` counts the
    decided documents themselves.
    """

    __tablename__ = "spam_tokens"
    __table_args__ = (sa.UniqueConstraint("site_id", "namespace", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    namespace: Mapped[str] = mapped_column(sa.String(64))
    token: Mapped[str] = mapped_column(sa.String(64))
    spam: Mapped[int] = mapped_column(default=0)
    ham: Mapped[int] = mapped_column(default=0)
