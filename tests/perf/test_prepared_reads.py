"""The hottest reads on PostgreSQL run as statements prepared once per reader connection
(discuss/prepared_reads.py), and give the rows psycopg's cursor would give."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from discuss.extensions import db
from discuss.pool import reader_connections

LISTING = "/api/v1/comments?site=news&thread=article-1"
COUNTS = "/api/v1/counts?site=news&thread=article-1&thread=article-2"


@pytest.fixture
def on_postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("prepared statements through libpq are for PostgreSQL")


@pytest.fixture
def connection(on_postgresql: None, database_url: str) -> Any:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        yield conn


def _prepared(app: Any) -> dict[str, int]:
    """The reader connection's prepared statements: name -> times run."""
    with app.app_context():
        readers = reader_connections(db.engine)
        assert readers.idle_count() == 1
        generation, connection = readers.take()
        try:
            rows = connection.execute(
                "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements"
                " WHERE name LIKE 'discuss\\_read\\_%'").fetchall()
        finally:
            readers.give_back(generation, connection)
    return dict(rows)


def test_each_read_runs_a_statement_its_connection_prepared_once(
        on_postgresql, app, client, site, post_comment, query_counter):
    post_comment("Counted.")
    tag = client.get(LISTING).headers["ETag"]
    with query_counter() as counted:
        for _ in range(3):
            assert client.get(LISTING).status_code == 200
            assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
            assert client.get(COUNTS).get_json()["counts"] == {"article-1": 1, "article-2": 0}
    prepared = _prepared(app)
    # the thread's state, the counts, and the cold read's two (the roots, their replies)
    assert len(prepared) == 4
    assert len(set(counted.statements)) == 2  # what the reads in the block ran: state, counts
    # state: the cold read, then six reads since; counts: three; the cold read's: once each
    assert sorted(prepared.values()) == [1, 1, 3, 1 + 6]


def test_statements_the_server_forgot_are_prepared_again(on_postgresql, app, client, site,
                                                         post_comment):
    post_comment("Still here.")
    tag = client.get(LISTING).headers["ETag"]
    with app.app_context():
        readers = reader_connections(db.engine)
        generation, connection = readers.take()
        connection.execute("DEALLOCATE ALL")  # as DISCARD ALL or a connection pooler would
        readers.give_back(generation, connection)
    assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(COUNTS).get_json()["counts"] == {"article-1": 1, "article-2": 0}
    assert sorted(_prepared(app).values()) == [1, 1]


def test_rows_are_those_the_cursor_gives(connection):
    from discuss.prepared_reads import PreparedReads

    sql = ("SELECT %(word)s::text || '%%', %(n)s::int + 1, %(word)s::text,"
           " %(nothing)s::text IS NULL, '{\"a\": [1, \"b\"]}'::jsonb, %(when)s::timestamptz,"
           " 2.5::numeric, true, NULL::int FROM generate_series(1, 3)")
    args = {"word": "caf\u00e9 50", "n": 41, "nothing": None,
            "when": datetime(2026, 11, 25, 12, 30, tzinfo=UTC)}
    expected = connection.execute(sql, args).fetchall()
    reads = PreparedReads()
    assert reads.run(connection, sql, args) == expected
    assert reads.run(connection, sql, args, first_only=True) == expected[:1]
    assert expected[0][:3] == ("caf\u00e9 50%", 42, "caf\u00e9 50")


def test_a_failed_statement_raises_the_drivers_error_and_the_connection_goes_on(connection):
    import psycopg

    from discuss.prepared_reads import PreparedReads

    reads = PreparedReads()
    with pytest.raises(psycopg.errors.UndefinedColumn):
        reads.run(connection, "SELECT no_such_column", {})
    with pytest.raises(psycopg.errors.DivisionByZero):
        reads.run(connection, "SELECT 1 / %(zero)s::int", {"zero": 0})
    assert reads.run(connection, "SELECT 1 / %(one)s::int", {"one": 1}) == [(1,)]
