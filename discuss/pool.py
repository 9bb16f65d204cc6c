"""Connection checks without a round trip per request.

SQLAlchemy's ``pool_pre_ping`` runs ``SELECT 1`` on every checkout: one extra round trip on
every request, about as much as the cached listing's own query. Here a connection is
checked only when it sat idle in the pool long enough that the server may have dropped it
(a restart, an idle timeout); a busy pool skips the check. A connection that dies between
two busy requests fails that one request (answered 503), and SQLAlchemy then replaces the
whole pool, so the service recovers by itself either way.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

IDLE_BEFORE_PING = 2.0  # seconds


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_BEFORE_PING) -> None:
    """Install the idle check on ``engine``'s pool."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not getattr(dbapi_connection, "autocommit", True):
                dbapi_connection.rollback()
        except Exception as error:  # noqa: BLE001  (any failure means: use a new connection)
            raise sa.exc.DisconnectionError(str(error)) from error
