"""Whether the service can do its work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from discuss.extensions import db


def database_ready() -> bool:
    """True when a trivial query succeeds."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False
