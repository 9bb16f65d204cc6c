"""Connection checks without a round trip per request.

SQLAlchemy's ``pool_pre_ping`` runs ``SELECT 1`` on every checkout: one extra round trip on
every request, about as much as the cached listing's own query. Here a connection is
checked only when it sat idle in the pool long enough that the server may have dropped it
(a restart, an idle timeout); a busy pool skips the check. A connection that dies between
two busy requests fails that one request (answered 503), and SQLAlchemy then replaces the
whole pool, so the service recovers by itself either way.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
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


def fetch_one(engine: Engine, statement: sa.Select, params: dict[str, Any]) -> tuple | None:
    """The first row of a read-only ``statement``; see ``fetch_all``."""
    rows = fetch_all(engine, statement, params, first_only=True)
    return rows[0] if rows else None


def fetch_all(engine: Engine, statement: sa.Select, params: dict[str, Any],
              first_only: bool = False) -> list[tuple]:
    """Rows of a read-only ``statement``, run on a pooled DBAPI connection directly.

    For the hottest reads (the listing's one query when the answer is cached or 304, the
    counts): it skips SQLAlchemy's per-execution work and, on PostgreSQL, the BEGIN/ROLLBACK
    round trips (the statement runs in autocommit). Values come back as the driver gives
    them. Parameters must be plain values the driver takes as they are (no type conversion);
    a list fills an expanding parameter. Listeners of the engine's
    ``before_cursor_execute`` event still see the statement (tests count statements so).
    """
    sizes = tuple(sorted((name, len(value)) for name, value in params.items()
                         if isinstance(value, list | tuple)))
    sql, order, constants = _compiled(engine, statement, tuple(sorted(params)), sizes)
    flat = {**constants, **params}
    for name, _ in sizes:
        flat.update({f"{name}_{n}": item for n, item in enumerate(params[name], start=1)})
    args: Any = tuple(flat[name] for name in order) if order is not None else flat
    postgres = engine.dialect.name == "postgresql"
    driver_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except driver_error as error:  # the pool connects with the driver: same error as a query
        raise sa.exc.OperationalError(sql, args, error) from error
    try:
        driver = connection.driver_connection
        if postgres:
            driver.autocommit = True
        cursor = connection.cursor()
        try:
            for listener in engine.dispatch.before_cursor_execute:
                listener(None, cursor, sql, args, None, False)
            cursor.execute(sql, args)
            if first_only:
                row = cursor.fetchone()
                return [row] if row is not None else []
            return cursor.fetchall()
        finally:
            cursor.close()
            if postgres:
                driver.autocommit = False
    except driver_error as error:
        connection.invalidate(error)  # never hand a broken connection to the next request
        raise sa.exc.OperationalError(sql, args, error, connection_invalidated=True) from error
    finally:
        connection.close()


def json_column(value: Any) -> Any:
    """A JSON column's value as ``fetch_all`` gives it: text on SQLite, parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def timestamp_column(value: Any) -> datetime | None:
    """A timestamp as ``fetch_all`` gives it (SQLite: naive UTC text), as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_COMPILED = "discuss.compiled_statements"  # the app's memo, in app.extensions


def _compiled(
    engine: Engine, statement: sa.Select, names: tuple[str, ...],
    sizes: tuple[tuple[str, int], ...],
) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """SQL text, positional parameter order and the statement's own constants (converted
    for the driver) of ``statement`` for the engine's dialect, with each expanding parameter
    rendered for its number of values."""
    key = (id(statement), engine.dialect.name, sizes)
    memo = current_app.extensions.setdefault(_COMPILED, {})
    found = memo.get(key)
    if found is None:
        placeholders: dict[str, Any] = dict.fromkeys(names)
        placeholders.update({name: [None] * size for name, size in sizes})
        compiled = statement.params(placeholders).compile(
            dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        expanded = {f"{name}_{n}" for name, size in sizes for n in range(1, size + 1)}
        constants = {}
        for bind_name, bind in compiled.binds.items():
            if bind_name in names or bind_name in expanded:
                continue
            processor = bind.type.bind_processor(engine.dialect)
            constants[bind_name] = processor(bind.value) if processor else bind.value
        found = memo[key] = (str(compiled), order, constants)
    return found


def tune_sqlite(engine: Engine) -> None:
    """Write-ahead logging: readers never wait for a writer, and a commit costs no fsync.

    With ``synchronous=NORMAL`` a WAL database stays consistent after a crash; only the last
    commits before a power loss can be lost (the default rollback journal pays several
    fsyncs per comment instead: about 6 ms each on the benchmark machine).
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()
