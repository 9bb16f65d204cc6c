"""SQLite as a server database: write-ahead logging, and the writers of a process in a queue.

SQLite lets one transaction write at a time. When several threads of a worker try at once,
the ones that find the lock taken sleep in SQLite's busy handler (steps of 1 to 100 ms) and
try again, and the lock often sits free while they sleep: under the benchmark's posting
load a comment cost half as much CPU again as alone, and throughput fell by a third. Here
the threads of one process queue on a lock of their own before a transaction's first write
and leave it when the transaction ends, so the next writer starts the moment the previous
one commits. Between processes SQLite's own lock still decides; with a few workers, each
with its writers queued, collisions are rare. Reads never queue.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
DEFAULT_TIMEOUT = 5.0  # seconds, as sqlite3.connect's own default


class WriterQueue:
    """One writing transaction at a time among the connections of one engine."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()

    def enter(self) -> None:
        """Wait for the turn; give up as SQLite itself would after its busy timeout."""
        if not self._lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")

    def leave(self) -> None:
        self._lock.release()

    @property
    def busy(self) -> bool:
        """Whether a transaction is writing now."""
        return self._lock.locked()


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(WRITE_VERBS)


class QueuedCursor(sqlite3.Cursor):
    """A cursor whose connection joins the writer queue before the first write."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.connection.before_statement(sql)
        try:
            return super().execute(sql, parameters)
        except BaseException:
            self.connection.after_failure()
            raise

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self.connection.before_statement(sql)
        try:
            return super().executemany(sql, parameters)
        except BaseException:
            self.connection.after_failure()
            raise


class QueuedWriterConnection(sqlite3.Connection):
    """A connection that holds its engine's writer queue from its first write to the end of
    the transaction (commit, rollback or close). Subclassed per engine with ``writers`` set."""

    writers: WriterQueue
    writing = False

    def cursor(self, factory: type[sqlite3.Cursor] = QueuedCursor) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def before_statement(self, sql: str) -> None:
        if not self.writing and _is_write(sql):
            self.writers.enter()
            self.writing = True

    def after_failure(self) -> None:
        """A statement failed: if no transaction is open, there is nothing left to finish."""
        if not self.in_transaction:
            self._leave_queue()

    def _leave_queue(self) -> None:
        if self.writing:
            self.writing = False
            self.writers.leave()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue()


def queue_writers(engine: Engine) -> WriterQueue:
    """Make every new connection of ``engine`` queue its writes; returns the queue."""
    queue = WriterQueue(DEFAULT_TIMEOUT)
    connection_class = type("QueuedWriterConnection", (QueuedWriterConnection,),
                            {"writers": queue})

    @sa.event.listens_for(engine, "do_connect")
    def _connect_queued(dialect: Any, record: Any, cargs: list, cparams: dict) -> None:
        cparams["factory"] = connection_class
        queue.timeout = float(cparams.get("timeout", DEFAULT_TIMEOUT))  # SQLite's own wait

    return queue


def tune_sqlite(engine: Engine) -> WriterQueue:
    """Write-ahead logging (readers never wait for a writer, a commit costs no fsync) and
    the writer queue.

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

    return queue_writers(engine)
