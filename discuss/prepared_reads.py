"""The hottest reads on PostgreSQL: statements prepared once per connection, run through
libpq.

For a cached read, psycopg's cursor spent as much CPU around the one statement as the round
trip itself (per execution: a cursor, its query converted again, generators to wait on the
socket). Here a reader connection runs a statement through libpq directly: by name once it
has prepared it, which it does when the statement has run as often as the connection's
``prepare_threshold`` says, keeping at most ``prepared_max`` of them (psycopg's settings,
which its cursor follows too). psycopg's adapters still turn values into parameters (with
their types) and columns into values, so the rows are those its cursor gives; a connection
keeps one transformer for its parameters and each prepared statement one for its rows, so
that a read looks up no dumper or loader again (a new transformer for every read cost a
third of the Python around the round trip). libpq waits for the answer without holding the
GIL, as the cursor does.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, OperationalError
from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import error_from_result
from psycopg.pq import ConnStatus, DiagnosticField, ExecStatus

_INVALID_STATEMENT_NAME = b"26000"  # SQLSTATE: no prepared statement of that name
_NAMED = re.compile(r"%\(([^)]+)\)s|%%")  # a named parameter, or an escaped percent sign


@dataclass(slots=True)
class _Statement:
    """One statement on one connection: its name once prepared, until then its runs."""

    runs: int = 0
    name: bytes | None = None
    loader: Transformer | None = None  # loads its rows; the columns' loaders found once


# A connection's statements by (SQL, parameter types), least recently run first
_Statements = OrderedDict[tuple[str, tuple[int, ...]], _Statement]
_TUPLES_OK = int(ExecStatus.TUPLES_OK)  # a plain int: compared on every read


class _Known:
    """What one connection keeps: its statements, and the transformer that dumps its
    parameters (made once: a transformer's construction and its dumpers' lookup cost
    more than the dumping)."""

    __slots__ = ("dumper", "statements")

    def __init__(self, dumper: Transformer) -> None:
        self.dumper = dumper
        self.statements: _Statements = OrderedDict()


def numbered_placeholders(sql: str) -> tuple[str, tuple[str, ...]]:
    """psycopg's ``%(name)s`` placeholders as libpq's ``$1``…, and the names in that order."""
    order: dict[str, int] = {}

    def numbered(match: re.Match[str]) -> str:
        key = match.group(1)
        if key is None:
            return "%"
        return f"${order.setdefault(key, len(order) + 1)}"

    return _NAMED.sub(numbered, sql), tuple(order)


class PreparedReads:
    """Runs statements on psycopg connections in autocommit (the hottest reads, and a
    post's one-statement write); one per app."""

    def __init__(self) -> None:
        # SQL -> libpq's text, its parameters' names in order, and their formats
        self._numbered: dict[str, tuple[bytes, tuple[str, ...], tuple[PyFormat, ...]]] = {}
        self._statements: weakref.WeakKeyDictionary[Connection, _Known] = \
            weakref.WeakKeyDictionary()
        self._names = itertools.count()  # a name is never used twice in a process

    def run(self, connection: Connection, sql: str, args: dict[str, Any],
            first_only: bool = False) -> list[tuple]:
        """Rows of ``sql`` (with psycopg's named parameters)."""
        pgconn = connection.pgconn
        found = self._numbered.get(sql)
        if found is None:
            text, order = numbered_placeholders(sql)
            found = self._numbered[sql] = (text.encode(connection.info.encoding), order,
                                           (PyFormat.AUTO,) * len(order))
        text, order, auto = found
        known = self._statements.get(connection)
        if known is None:
            known = self._statements[connection] = _Known(Transformer(connection))
        values = known.dumper.dump_sequence([args[key] for key in order], auto)
        types, formats = known.dumper.types, known.dumper.formats  # this call's own
        statements = known.statements
        key = (sql, types)
        statement = statements.get(key)
        if statement is None:
            statement = statements[key] = _Statement()
            _forget_beyond(connection, statements, connection.prepared_max)
        else:
            statements.move_to_end(key)
        loader = statement.loader
        if statement.name is None and not self._prepare(connection, statement, text, types):
            result = pgconn.exec_params(text, values, types, formats)
        else:
            result = pgconn.exec_prepared(statement.name, values, formats)
            if _forgotten(result):  # deallocated behind our back (DISCARD ALL, say)
                statements.clear()
                result = pgconn.exec_params(text, values, types, formats)
                loader = None
        if result.status != _TUPLES_OK:
            _raise_for(connection, result)
        if loader is None:
            loader = Transformer(connection)
            loader.set_pgresult(result)
            if statement.name is not None and key in statements:
                statement.loader = loader
        else:  # a prepared statement's columns keep their types (else the server refuses)
            loader.set_pgresult(result, set_loaders=False)
        rows = min(result.ntuples, 1) if first_only else result.ntuples
        try:
            return loader.load_rows(0, rows, tuple)
        finally:  # a kept loader must not keep the rows too (a page of bodies, say)
            loader.set_pgresult(None, set_loaders=False)

    def forget(self, connection: Connection) -> None:
        """Drop what is kept for a connection that is closed (its transformers refer to it,
        so it would never be freed)."""
        self._statements.pop(connection, None)

    def forget_all(self) -> None:
        """Drop what is kept for every connection (a forked child's are its parent's)."""
        self._statements.clear()

    def _prepare(self, connection: Connection, statement: _Statement, text: bytes,
                 types: tuple[int, ...]) -> bool:
        """Prepare ``statement`` if it has now run as often as the connection's threshold;
        whether it is."""
        threshold = connection.prepare_threshold
        if threshold is None or statement.runs < threshold:
            statement.runs += 1
            return False
        name = f"discuss_read_{next(self._names)}".encode()
        _raise_for(connection, connection.pgconn.prepare(name, text, types))
        statement.name = name
        return True


def _forget_beyond(connection: Connection, statements: _Statements, most: int | None) -> None:
    """Keep the ``most`` statements run last (None: all), deallocating the others."""
    while most is not None and len(statements) > max(most, 1):
        _, evicted = statements.popitem(last=False)
        if evicted.name is not None:  # a failure here shows in the statement that follows
            connection.pgconn.exec_(b"DEALLOCATE " + evicted.name)


def _forgotten(result: Any) -> bool:
    """Whether a statement failed because the server no longer knows its name."""
    return (result.status == ExecStatus.FATAL_ERROR
            and result.error_field(DiagnosticField.SQLSTATE) == _INVALID_STATEMENT_NAME)


def _raise_for(connection: Connection, result: Any) -> None:
    """The driver's own error for a statement libpq reports as failed."""
    if result.status in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
        return
    if connection.pgconn.status != ConnStatus.OK:  # the server is gone, as the cursor says it
        message = result.error_message.decode("utf-8", "replace").strip()
        raise OperationalError(message or "the connection to the server is lost")
    raise error_from_result(result, encoding=connection.info.encoding)
