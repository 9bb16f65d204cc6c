"""On PostgreSQL a transaction begins at its first write, as it does on SQLite.

psycopg opens a transaction (a round trip for ``BEGIN``) before a session's first
statement, even a read, and the session ends it with another (``COMMIT`` or, when the
connection goes back to the pool, ``ROLLBACK``). Under READ COMMITTED every statement reads
its own fresh snapshot either way, so the reads before the first write lose nothing by
running in autocommit, as they already do on SQLite, whose driver begins a transaction
before the first write. A write that is a whole transaction in one statement
(``ONE_STATEMENT``) needs neither: a post is five round trips instead of eight.

The rule is decided before each statement, on a connection with no transaction open: a
plain ``SELECT`` runs in autocommit, anything else (a write, a locking read, a savepoint, a
data-modifying ``WITH``, a server-side cursor, which lives in a transaction) opens one,
which then lasts until the commit or rollback as before. A session that chose an isolation
level of its own (an export's snapshot), and a server whose default is not READ COMMITTED,
are left alone. A ``SELECT`` is taken for a read: one that calls a function with a lasting
effect inside a transaction (``pg_advisory_xact_lock``, ``set_config(…, true)``) must write
first; discuss has none.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Execution option of a statement that is a transaction by itself (no write before it in the
# session): run in autocommit, it is still atomic, and commits within its own round trip.
_ONE_STATEMENT_KEY = "discuss_one_statement"
ONE_STATEMENT = {_ONE_STATEMENT_KEY: True}
_READ_COMMITTED = "READ COMMITTED"
_PLAIN_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)


def is_plain_read(sql: str) -> bool:
    """A ``SELECT`` that takes no row locks: the same in autocommit as in a transaction."""
    return _PLAIN_READ.match(sql) is not None and _LOCKING.search(sql) is None


def reads_outside_transactions(engine: Engine) -> bool:
    """Whether a session's reads before its first write run outside any transaction, each
    seeing the latest commits: SQLite's driver begins at the first write, and on PostgreSQL
    this module's rule does under READ COMMITTED. A read on another connection in autocommit
    then sees what the session's own read would (``pool.read_before_first_write``)."""
    if engine.dialect.name == "sqlite":
        return True
    return (engine.dialect.driver == "psycopg"  # known once the engine has connected
            and getattr(engine.dialect, "default_isolation_level", None) == _READ_COMMITTED)


def begin_at_first_write(engine: Engine) -> None:
    """Install the rule on a PostgreSQL ``engine`` driven by psycopg."""
    # psycopg is imported only where it is in use (a worker on SQLite is 9 MB smaller)
    from psycopg import IsolationLevel, ServerCursor
    from psycopg.pq import TransactionStatus

    idle = TransactionStatus.IDLE
    # What a connection's own level reads as when left to the server's default (SQLAlchemy
    # sets it back to that default, by name, when a session that chose another is returned)
    server_default = (None, IsolationLevel.READ_COMMITTED)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _choose(connection: sa.Connection, cursor: Any, statement: str, parameters: Any,
                context: Any, executemany: bool) -> None:
        if cursor is None:
            return  # a reader connection's statement (``pool.fetch_all``, ``pool.write_alone``)
        driver = cursor.connection
        if driver.pgconn.transaction_status != idle:
            return  # inside a transaction: it goes on as it began
        options = context.execution_options if context is not None else {}
        if ("isolation_level" in options or driver.isolation_level not in server_default
                or connection.dialect.default_isolation_level != _READ_COMMITTED):
            return  # the session, the engine or the server chose another kind
        autocommit = (is_plain_read(statement) and not isinstance(cursor, ServerCursor)
                      or (options.get(_ONE_STATEMENT_KEY, False) and not executemany))
        if driver.autocommit is not autocommit:
            driver.autocommit = autocommit
