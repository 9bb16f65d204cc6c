"""Database connections for the hot paths, without a round trip or a pool's bookkeeping
per request.

SQLAlchemy's ``pool_pre_ping`` runs ``SELECT 1`` on every checkout: one extra round trip on
every request, about as much as the cached listing's own query. Here a connection is
checked only when it sat idle in the pool long enough that the server may have dropped it
(a restart, an idle timeout); a busy pool skips the check, and only looks whether the server
has written to the idle connection (its farewell), which costs no round trip. A connection
that dies between two busy requests without a word fails that one request (answered 503),
and SQLAlchemy then replaces the whole pool, so the service recovers by itself either way.

The hottest reads (``fetch_all``), and a post's write when it is all its request writes
(``write_alone``), do not use that pool at all but ``ReaderConnections``: a few connections
kept in autocommit beside it, for which taking and giving back costs next to nothing.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import select
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import InstrumentedAttribute, Session, scoped_session
from sqlalchemy.sql.dml import UpdateBase

from discuss.transactions import reads_outside_transactions

if TYPE_CHECKING:  # psycopg is imported only where it is in use
    from discuss.prepared_reads import PreparedReads

IDLE_BEFORE_PING = 2.0  # seconds
_CONNECTION_OK = 0  # libpq's CONNECTION_OK (psycopg.pq.ConnStatus.OK)
_DISPOSALS_AT_CHECKOUT = "discuss.disposals_at_checkout"  # a pooled connection's record.info
log = logging.getLogger(__name__)


def close_when_back_after_dispose(engine: Engine) -> None:
    """Close a pooled connection that was checked out when the engine was disposed, as it
    comes back. It returns to the pool the engine has stopped using, which neither hands it
    out again nor closes it: it would stay open until the garbage collector found that pool.
    (A reader that finds the server lost disposes the engine while other threads hold
    pooled connections; ``ReaderConnections``.)"""
    disposals = [0]  # how often this engine was disposed

    @sa.event.listens_for(engine, "engine_disposed")
    def _disposed(_engine: Engine) -> None:
        disposals[0] += 1

    @sa.event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        record.info[_DISPOSALS_AT_CHECKOUT] = disposals[0]

    @sa.event.listens_for(engine, "checkin")
    def _back(dbapi_connection: Any, record: Any) -> None:
        if (dbapi_connection is not None
                and record.info.get(_DISPOSALS_AT_CHECKOUT, disposals[0]) != disposals[0]):
            dbapi_connection.close()


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_BEFORE_PING) -> None:
    """Install the idle check on ``engine``'s pool."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None:
            return
        if time.monotonic() - idle_since < idle_seconds:
            if closed_by_server(dbapi_connection):
                raise sa.exc.DisconnectionError("the server closed the connection")
            return
        try:
            select_one(dbapi_connection)
            if not getattr(dbapi_connection, "autocommit", True):
                dbapi_connection.rollback()
        except Exception as error:  # noqa: BLE001  (any failure means: use a new connection)
            raise sa.exc.DisconnectionError(str(error)) from error


def closed_by_server(dbapi_connection: Any) -> bool:
    """Whether the server ended a PostgreSQL connection while it sat in the pool (a
    restart, a terminated backend), found without a round trip: an idle connection has
    nothing to read unless the server spoke first, and what it says then is its farewell (or
    a notice: a fresh connection is the safe answer either way). A connection used in
    autocommit since its last transaction has no ``ROLLBACK`` at check-in to find out
    (``discuss/transactions.py``)."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return False
    try:
        if pgconn.status != _CONNECTION_OK:
            return True
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
    except dbapi_connection.OperationalError:  # no socket any more
        return True
    return bool(poller.poll(0))


def select_one(dbapi_connection: Any) -> None:
    """The cheapest question a server must answer: raises the driver's error if it cannot."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()


def fetch_one(engine: Engine, statement: sa.Select, params: dict[str, Any]) -> tuple | None:
    """The first row of a read-only ``statement``; see ``fetch_all``."""
    rows = fetch_all(engine, statement, params, first_only=True)
    return rows[0] if rows else None


def fetch_all(engine: Engine, statement: sa.Select, params: dict[str, Any],
              first_only: bool = False) -> list[tuple]:
    """Rows of a read-only ``statement``, run on one of the engine's reader connections.

    For the hottest reads (the listing's one query when the answer is cached or 304, the
    counts): it skips SQLAlchemy's per-execution work, its pool and, on PostgreSQL, the
    BEGIN/ROLLBACK round trips (see ``ReaderConnections``) and psycopg's cursor (see
    ``discuss/prepared_reads.py``). Values come back as the driver gives them. Parameters
    are converted as the statement's types say (a timestamp for SQLite's text, say); a
    list fills an expanding parameter. Listeners of the engine's ``before_cursor_execute``
    event still see the statement, with no cursor (tests count statements so).
    """
    return _on_reader(reader_connections(engine), [(statement, params)], first_only,
                      transaction=False)


def _bound(engine: Engine, memo: dict[Any, Any], statement: sa.Executable,
           params: dict[str, Any]) -> tuple[str, Any]:
    """The SQL text of ``statement`` for the engine's driver and its arguments, converted as
    the statement's types say; in a read, a list fills an expanding parameter (a write's
    list is a value: a JSON column's, say)."""
    sizes = () if isinstance(statement, UpdateBase) else _list_sizes(params)
    names = tuple(params)
    key = (statement, names, sizes)  # the statement itself, not its id, which could be reused
    found = memo.get(key)
    if found is None:
        found = memo[key] = _compiled(engine, statement, names, sizes)
    sql, order, constants, converters = found
    if not (sizes or constants or converters):  # the hot reads: the caller's values as given
        return sql, tuple([params[name] for name in order]) if order is not None else params
    flat = {**constants, **params}
    for name, _ in sizes:
        flat.update({f"{name}_{n}": item for n, item in enumerate(params[name], start=1)})
    for name, convert in converters:
        flat[name] = convert(flat[name])
    return sql, tuple(flat[name] for name in order) if order is not None else flat


def _list_sizes(params: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """The number of values of each list among ``params``, by name."""
    sizes = [(name, len(value)) for name, value in params.items()
             if isinstance(value, (list, tuple))]
    return tuple(sorted(sizes)) if sizes else ()


def write_alone(engine: Engine, session: Session | scoped_session,
                steps: list[tuple[sa.Executable, dict[str, Any]]]) -> list[tuple]:
    """The rows the first of ``steps`` returns: writes that are all a request writes (a
    post's comment and its thread's change), as one transaction, committed.

    Where the session has begun nothing and its reads would run outside a transaction
    (``read_before_first_write``), they run on a reader connection, past the session, the
    pool and SQLAlchemy's per-execution work, which cost a post more than its statements:
    on SQLite in a transaction of their own, committed here; on PostgreSQL only a single
    statement goes this way (in autocommit it is a transaction by itself). Else they run
    on the session's connection and the session commits them with what it holds. Values
    come back as the driver gives them, as ``fetch_all``'s. (A session's commit with
    nothing begun still costs a twentieth of a post: the caller need not commit.)
    """
    sqlite = engine.dialect.name == "sqlite"
    rows: list[tuple] = []
    if isinstance(session, scoped_session):
        session = session()  # the registry's own: the proxy has no ``in_transaction``
    if (session.in_transaction() or not reads_outside_transactions(engine)
            or not (sqlite or len(steps) == 1)):
        session.flush()  # pending changes first, as the ORM's own statements would
        connection = session.connection()
        for n, (statement, params) in enumerate(steps):
            result = connection.execute(statement, params)
            if n == 0 and result.returns_rows:
                rows = [tuple(row) for row in result.all()]
        session.commit()
        return rows
    return _on_reader(reader_connections(engine), steps, first_only=False, transaction=True)


def _on_reader(readers: ReaderConnections, steps: list[tuple[sa.Executable, dict[str, Any]]],
               first_only: bool, transaction: bool) -> list[tuple]:
    """Rows of the first of ``steps``, run on a reader connection; with ``transaction``, as
    one (SQLite: ``BEGIN IMMEDIATE``, which takes the write lock before the first step, or
    waits for it; a PostgreSQL statement in autocommit is one by itself)."""
    engine = readers.engine
    bound = [_bound(engine, readers.compiled_statements, statement, params)
             for statement, params in steps]
    sql, args = bound[0]
    driver_error = engine.dialect.loaded_dbapi.Error
    try:
        generation, connection = readers.take()
    except driver_error as error:  # cannot connect: the same error as a failed statement
        raise sa.exc.DBAPIError.instance(sql, args, error, driver_error) from error
    rows: list[tuple] = []
    begin = transaction and engine.dialect.name == "sqlite"
    try:
        if begin:
            readers.run(connection, "BEGIN IMMEDIATE", (), False)
        for n, (sql, args) in enumerate(bound):
            for listener in engine.dispatch.before_cursor_execute:
                listener(None, None, sql, args, None, False)
            found = readers.run(connection, sql, args, first_only)
            if n == 0:
                rows = found
        if begin:
            connection.commit()
    except driver_error as error:  # never hand a failed connection on (closing it undoes
        lost = readers.discard(generation, connection, error)  # what a write began)
        # SQLAlchemy's class for the driver's error, as the session would raise it (a value
        # the server refuses is a DataError, answered 400; a lost server an OperationalError)
        raise sa.exc.DBAPIError.instance(sql, args, error, driver_error,
                                         connection_invalidated=lost) from error
    except Exception:  # the connection is fine (a listener raised, say)
        if _rolled_back(connection):
            readers.give_back(generation, connection)
        else:
            readers.close(connection)
        raise
    except BaseException:  # interrupted in the middle of a statement: its state is unknown
        readers.close(connection)
        raise
    readers.give_back(generation, connection)
    return rows


def _rolled_back(connection: Any) -> bool:
    """Whether what a write began on a reader connection before it stopped is undone
    (nothing to undo in autocommit), so that the connection may serve again."""
    try:
        connection.rollback()
    except Exception:  # noqa: BLE001  (a connection that cannot roll back is not reused)
        return False
    return True


def read_before_first_write(engine: Engine, session: Session, statement: sa.Select,
                            params: dict[str, Any], first_only: bool = False) -> list[tuple]:
    """Rows of a read a request makes before it writes anything (a post's ban query, its
    thread, its duplicate count): on a reader connection (``fetch_all``, which costs less)
    where the session's own read would run outside a transaction too, and so sees the same
    rows; else (a PostgreSQL server defaulting to REPEATABLE READ, say) on the session's
    connection, in its snapshot. Values come back as the driver gives them one way and as
    SQLAlchemy gives them the other: callers convert both alike. ``engine`` is the session's
    bind, passed in: the session's ``get_bind`` is a slower way to it."""
    if reads_outside_transactions(engine):
        return fetch_all(engine, statement, params, first_only)
    result = session.connection().execute(statement, params)
    rows = [result.first()] if first_only else result.all()
    return [tuple(row) for row in rows if row is not None]


def run_on_cursor(connection: Any, sql: str, args: Any, first_only: bool) -> list[tuple]:
    """The rows of ``sql`` through a DB-API cursor (all, or the first only)."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, args)
        if first_only:
            row = cursor.fetchone()
            return [row] if row is not None else []
        return cursor.fetchall()
    finally:
        cursor.close()


class ReaderConnections:
    """Connections for ``fetch_all`` and ``write_alone``, kept beside the engine's pool.

    Why not the pool: its checkout and check-in (events, the reset on return) and, on
    PostgreSQL, switching autocommit on and off again cost about as much as a cached read's
    query itself. A read on these connections runs outside any transaction (autocommit),
    so it sees the latest committed data; ``write_alone``'s transaction on SQLite is
    committed, or rolled back, before its connection waits again, so none is ever left
    open. The idle ones wait in a list
    (``append`` and ``pop`` are atomic); there are as many as the most reads that ran at one
    moment, so at most one per thread of the worker. Each is made by the engine's pool (the
    same connect events and settings) and then detached from it. An in-memory SQLite
    database lives in its one connection, so there each read borrows the pool's instead.

    Like ``ping_when_idle``, a connection idle for ``idle_seconds`` is checked before use
    (``None``: never, as for SQLite's files). A connection that fails is closed; when the
    dialect reads the failure as a lost server, the whole engine is disposed, pooled and
    reader connections alike (once, by the first read to find out), so that the request
    Flask tries again gets a new one. ``Engine.dispose()`` closes the idle readers and
    retires the busy ones; in a forked child it forgets the parent's without closing them.
    """

    def __init__(self, engine: Engine, idle_seconds: float | None) -> None:
        self.engine = engine
        self.idle_seconds = idle_seconds
        self._idle: list[tuple[int, float, Any]] = []  # (generation, idle since, connection)
        self._generation = 0  # one more each time the engine is disposed
        self._pid = os.getpid()
        # the statements run here, as ``_compiled`` made them (``_bound`` fills it)
        self.compiled_statements: dict[Any, Any] = {}
        self._borrow = engine.dialect.name == "sqlite" and engine.url.database in (
            None, "", ":memory:")
        # how a statement runs on one of these connections (see ``fetch_all``)
        self.run: Callable[[Any, str, Any, bool], list[tuple]] = run_on_cursor
        self._prepared: PreparedReads | None = None
        if engine.dialect.driver == "psycopg":  # imported only where psycopg is in use
            from discuss.prepared_reads import PreparedReads

            self._prepared = PreparedReads()
            self.run = self._prepared.run
        sa.event.listen(engine, "engine_disposed", self._retire_all)

    def take(self) -> tuple[int, Any]:
        """An idle connection that still answers, else a new one (with its generation, for
        ``give_back`` and ``discard``)."""
        if self._borrow:
            return self._generation, self.engine.raw_connection()
        self._forked()  # a fork's parent's connections are not ours to use
        while True:
            try:
                generation, idle_since, connection = self._idle.pop()
            except IndexError:
                return self._generation, self._connect()
            if generation != self._generation:
                self.close(connection)
            elif (self.idle_seconds is None
                  or time.monotonic() - idle_since < self.idle_seconds
                  or self._answers(generation, connection)):
                return generation, connection

    def give_back(self, generation: int, connection: Any) -> None:
        """Keep a connection that served a read for the next one."""
        if generation == self._generation and not self._borrow:
            self._idle.append((generation, time.monotonic(), connection))
        else:  # borrowed from the pool, or the engine was disposed while it was in use
            self.close(connection)

    def discard(self, generation: int, connection: Any, error: BaseException) -> bool:
        """Close a connection that failed; whether the server was lost (then every
        connection of that generation is retired)."""
        driver = connection.driver_connection if self._borrow else connection
        lost = bool(self.engine.dialect.is_disconnect(error, driver, None))
        if self._borrow:
            connection.invalidate(error)
        self.close(connection)
        if lost and generation == self._generation:
            self.engine.dispose()
        return lost

    def close(self, connection: Any) -> None:
        """Close a connection, whatever state it is in."""
        if self._prepared is not None:
            self._prepared.forget(connection)
        try:
            connection.close()
        except Exception:  # noqa: BLE001  (closing a connection that is already gone)
            log.debug("closing a reader connection failed", exc_info=True)

    def idle_count(self) -> int:
        return len(self._idle)

    def _connect(self) -> Any:
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection
        if self.engine.dialect.name == "postgresql":
            try:
                connection.autocommit = True
            except Exception as error:
                pooled.invalidate(error)
                raise
        pooled.detach()
        return connection

    def _answers(self, generation: int, connection: Any) -> bool:
        try:
            select_one(connection)
        except self.engine.dialect.loaded_dbapi.Error as error:
            self.discard(generation, connection, error)
            return False
        except BaseException:
            self.close(connection)
            raise
        return True

    def _retire_all(self, _engine: Engine) -> None:
        if self._forked():  # the parent's to close, not ours
            return
        self._generation += 1
        while self._idle:
            try:
                _, _, connection = self._idle.pop()
            except IndexError:
                break
            self.close(connection)

    def _forked(self) -> bool:
        """Whether this process is a fork of the one the connections were made in; if so,
        they are forgotten (never used or closed here) and new ones will be made."""
        if self._pid == os.getpid():
            return False
        self._idle = []
        if self._prepared is not None:
            self._prepared.forget_all()
        self._generation += 1
        self._pid = os.getpid()
        return True


_READERS = "discuss.reader_connections"  # the app's readers by engine, in app.extensions


def prepare_engine(app: Flask, engine: Engine) -> None:
    """Set ``engine`` up for ``app``: SQLite tuned, else idle connections checked before
    use (a file on the same machine does not go away; a server does) and, with psycopg,
    transactions begun at the first write; connections out during a dispose closed when
    back; and the reader connections ``fetch_all`` runs on."""
    close_when_back_after_dispose(engine)
    if engine.dialect.name == "sqlite":
        tune_sqlite(engine)
        idle = None
    else:
        ping_when_idle(engine)
        idle = IDLE_BEFORE_PING
    if engine.dialect.driver == "psycopg":  # imported only where psycopg is in use
        from discuss.transactions import begin_at_first_write

        begin_at_first_write(engine)
    app.extensions.setdefault(_READERS, {})[engine] = ReaderConnections(engine, idle)


def reader_connections(engine: Engine) -> ReaderConnections:
    """The current app's reader connections for ``engine``."""
    return current_app.extensions[_READERS][engine]


def json_text(column: InstrumentedAttribute[Any]) -> sa.Label[str]:
    """A JSON column selected as its text, for the reader statements: psycopg would otherwise
    run its JSON loader on every row, which costs more than the rest of a hot read's work;
    ``json_column`` parses the one value the caller needs."""
    return sa.cast(column, sa.Text).label(column.key)


def json_column(value: str | None) -> Any:
    """A JSON column read through ``json_text``, parsed."""
    return None if value is None else json.loads(value)


@functools.lru_cache(maxsize=256)
def origins_column(value: str | None) -> tuple[str, ...]:
    """A site's allowed origins read through ``json_text``, parsed once per distinct text:
    every hot read carries them, and they rarely change."""
    return tuple(json_column(value) or ())


def timestamp_column(value: Any) -> datetime | None:
    """A timestamp as ``fetch_all`` gives it (SQLite: naive UTC text), as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _compiled(
    engine: Engine, statement: sa.Executable, names: tuple[str, ...],
    sizes: tuple[tuple[str, int], ...],
) -> tuple[str, tuple[str, ...] | None, dict[str, Any], tuple[tuple[str, Callable], ...]]:
    """SQL text, positional parameter order, the statement's own constants (converted for
    the driver) and the converters of the named parameters whose type has one, of
    ``statement`` for the engine's dialect, with each expanding parameter rendered for its
    number of values. A write must be given every value: here no Python-side default is
    filled in and no missing parameter is refused, as the session's execution would."""
    placeholders: dict[str, Any] = dict.fromkeys(names)
    placeholders.update({name: [None] * size for name, size in sizes})
    write = isinstance(statement, UpdateBase)  # a write's parameters are its own
    compiled = (statement if write else statement.params(placeholders)).compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    missing = [name for name, bind in compiled.binds.items()
               if bind.required and name not in names]
    if write and (compiled.insert_prefetch or compiled.update_prefetch or missing):
        raise ValueError(f"a write on a reader connection needs every value: {missing}, "
                         "and no column default filled in by Python")
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    expanding = dict(sizes)
    constants = {}
    converters = []
    for bind_name, bind in compiled.binds.items():
        # the dialect's own type: SQLite's timestamps are text in SQLAlchemy's format
        processor = bind.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        if bind_name in expanding:  # its values are filled in as name_1, name_2…
            if processor is not None:
                converters.extend((f"{bind_name}_{n}", processor)
                                  for n in range(1, expanding[bind_name] + 1))
        elif bind_name in names:
            if processor is not None:
                converters.append((bind_name, processor))
        else:
            constants[bind_name] = processor(bind.value) if processor else bind.value
    return str(compiled), order, constants, tuple(converters)


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
