"""The hottest reads on PostgreSQL: statements prepared once per connection, run through
libpq.

For a cached read, psycopg's cursor spent as much CPU around the one statement as the round
trip itself (per execution: a cursor, its query converted again, generators to wait on the
socket). Here each reader connection prepares a statement the first time it runs it, under a
name of its own, and later runs send only the name and the parameters. psycopg's own adapters
still turn values into parameters and columns into values, so the rows are those its cursor
gives. libpq waits for the answer without holding the GIL, as the cursor does.
"""

from __future__ import annotations

import itertools
import re
import weakref
from typing import Any

from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import error_from_result
from psycopg.pq import DiagnosticField, ExecStatus

INVALID_STATEMENT_NAME = b"26000"  # SQLSTATE: no prepared statement of that name
_NAMED = re.compile(r"%\(([^)]+)\)s|%%")  # a named parameter, or an escaped percent sign


class PreparedReads:
    """The statements each connection has prepared: SQL -> (name, parameter order)."""

    def __init__(self) -> None:
        self._by_connection: weakref.WeakKeyDictionary[
            Any, dict[str, tuple[bytes, tuple[str, ...]]]] = weakref.WeakKeyDictionary()
        self._numbers = itertools.count()

    def run(self, connection: Any, sql: str, args: dict[str, Any],
            first_only: bool = False) -> list[tuple]:
        """Rows of ``sql`` (psycopg's named parameters) on a connection in autocommit."""
        name, order = self._prepare(connection, sql)
        transformer = Transformer(connection)
        values = transformer.dump_sequence([args[key] for key in order],
                                           [PyFormat.TEXT] * len(order))
        result = connection.pgconn.exec_prepared(name, values)
        if _forgotten(result):  # deallocated behind our back (DISCARD ALL, a pooler)
            self._by_connection.pop(connection, None)
            name, _ = self._prepare(connection, sql)
            result = connection.pgconn.exec_prepared(name, values)
        _raise_for(connection, result)
        transformer.set_pgresult(result)
        rows = min(result.ntuples, 1) if first_only else result.ntuples
        return transformer.load_rows(0, rows, tuple)

    def _prepare(self, connection: Any, sql: str) -> tuple[bytes, tuple[str, ...]]:
        prepared = self._by_connection.setdefault(connection, {})
        found = prepared.get(sql)
        if found is None:
            order: list[str] = []

            def numbered(match: re.Match[str]) -> str:
                key = match.group(1)
                if key is None:
                    return "%"
                if key not in order:
                    order.append(key)
                return f"${order.index(key) + 1}"

            name = f"discuss_read_{next(self._numbers)}".encode()  # never one in use
            text = _NAMED.sub(numbered, sql).encode(connection.info.encoding)
            _raise_for(connection, connection.pgconn.prepare(name, text))
            found = prepared[sql] = (name, tuple(order))
        return found


def _forgotten(result: Any) -> bool:
    """Whether a statement failed because the server no longer knows its name."""
    return (result.status == ExecStatus.FATAL_ERROR
            and result.error_field(DiagnosticField.SQLSTATE) == INVALID_STATEMENT_NAME)


def _raise_for(connection: Any, result: Any) -> None:
    """The driver's own error for a statement libpq reports as failed."""
    if result.status not in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
        raise error_from_result(result, encoding=connection.info.encoding)
