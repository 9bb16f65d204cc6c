"""The hottest reads on PostgreSQL run through libpq, prepared once per reader connection
after psycopg's threshold (discuss/prepared_reads.py), and give the rows psycopg's cursor
would give."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime
from typing import Any

import pytest

from discuss.extensions import db
from discuss.pool import reader_connections
from discuss.prepared_reads import PreparedReads, numbered_placeholders
from tests.conftest import terminate_backends

LISTING = "/api/v1/comments?site=news&thread=article-1"
COUNTS = "/api/v1/counts?site=news&thread=article-1&thread=article-2"
OURS = "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements" \
       " WHERE name LIKE 'discuss\\_read\\_%' ORDER BY prepare_time"


@pytest.fixture
def on_postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("prepared statements through libpq are for PostgreSQL")


@pytest.fixture
def app(make_app: Any) -> Any:
    """Counts answers are not kept here: every counts request must run its statement."""
    return make_app(counts_cache_seconds=0)


@pytest.fixture
def connection(on_postgresql: None, database_url: str) -> Any:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


def _prepared_by_reader(app: Any) -> list[int]:
    """How often each statement the reader connection prepared has run, oldest first."""
    with app.app_context():
        readers = reader_connections(db.engine)
        assert readers.idle_count() == 1
        generation, connection = readers.take()
        try:
            return [runs for _, runs in connection.execute(OURS).fetchall()]
        finally:
            readers.give_back(generation, connection)


def test_statements_run_often_are_prepared_once_and_then_run_by_name(
        on_postgresql, app, client, site, post_comment, query_counter):
    post_comment("Counted.")
    tag = client.get(LISTING).headers["ETag"]  # the cold read: its statements run once
    with query_counter() as counted:
        for _ in range(8):
            assert client.get(LISTING).status_code == 200
            assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
            assert client.get(COUNTS).get_json()["counts"] == {"article-1": 1, "article-2": 0}
    assert len(counted.statements) == 24 and len(set(counted.statements)) == 2
    # psycopg's threshold (5): the thread's state ran 17 times, prepared at the 6th run;
    # the counts 8 times; the cold read's statements once each, never prepared
    assert _prepared_by_reader(app) == [17 - 5, 8 - 5]


def test_statements_the_server_forgot_are_run_and_prepared_again(on_postgresql, app, client,
                                                                 site, post_comment):
    post_comment("Still here.")
    tag = client.get(LISTING).headers["ETag"]
    for _ in range(5):  # the state's sixth run: prepared
        assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
    assert _prepared_by_reader(app) == [1]
    with app.app_context():
        readers = reader_connections(db.engine)
        generation, connection = readers.take()
        connection.execute("DEALLOCATE ALL")  # as DISCARD ALL would
        readers.give_back(generation, connection)
    for _ in range(7):
        assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
    # the first found its name forgotten and ran unnamed, then five unnamed runs again, and
    # the seventh prepared it anew
    assert _prepared_by_reader(app) == [1]


def test_placeholders_are_numbered_in_order_of_first_use():
    assert numbered_placeholders("a %(x)s %(y)s %(x)s LIKE '5%%'") == (
        "a $1 $2 $1 LIKE '5%'", ("x", "y"))


@pytest.mark.parametrize("threshold", [0, None])  # prepared at once; never prepared
def test_rows_are_those_the_cursor_gives(connection, threshold):
    sql = ("SELECT %(word)s || '%%', %(n)s + 1, %(word)s, %(nothing)s::text IS NULL,"
           " '{\"a\": [1, \"b\"]}'::jsonb, %(when)s, 2.5::numeric, %(flag)s, NULL::int"
           " FROM generate_series(1, 3)")
    connection.prepare_threshold = threshold
    reads = PreparedReads()
    for n in (41, 100_000, 2**40):  # int2, int4, int8: a statement for each
        args = {"word": "caf\u00e9 50", "n": n, "nothing": None, "flag": True,
                "when": datetime(2026, 11, 25, 12, 30, tzinfo=UTC)}
        expected = connection.execute(sql, args).fetchall()
        assert reads.run(connection, sql, args) == expected
        assert reads.run(connection, sql, args, first_only=True) == expected[:1]
        assert expected[0][:3] == ("caf\u00e9 50%", n + 1, "caf\u00e9 50")
    prepared = connection.execute(OURS).fetchall()
    assert len(prepared) == (3 if threshold == 0 else 0)


def test_each_prepared_statement_loads_its_own_columns(connection):
    """A prepared statement keeps its columns' loaders; another's columns, of other types
    in the same places, are loaded by their own."""
    connection.prepare_threshold = 0
    reads = PreparedReads()
    typed = "SELECT %(day)s::date, %(n)s::int, %(doc)s::jsonb"
    as_text = "SELECT %(day)s::text, %(n)s::text, %(doc)s::text"
    for n in range(3):
        args = {"day": f"2026-12-0{n + 1}", "n": n, "doc": f'{{"n": {n}}}'}
        for sql in (typed, as_text, typed):
            assert reads.run(connection, sql, args) == connection.execute(sql, args).fetchall()
    assert reads.run(connection, typed, args)[0][0].day == 3
    assert reads.run(connection, as_text, args) == [("2026-12-03", "2", '{"n": 2}')]


def test_a_kept_loader_keeps_no_rows(connection):
    """What a prepared statement keeps to load its rows lets go of them once loaded (a page
    of comment bodies would otherwise stay in memory until the statement runs again)."""
    connection.prepare_threshold = 0
    reads = PreparedReads()
    sql = "SELECT repeat('x', %(size)s::int) FROM generate_series(1, 50)"
    for _ in range(3):
        assert len(reads.run(connection, sql, {"size": 10_000})) == 50
    kept = [statement.loader for statement in reads._statements[connection].statements.values()]
    assert kept and all(loader is not None and loader.pgresult is None for loader in kept)


def test_a_closed_reader_connection_is_freed(on_postgresql, app, client, site, post_comment):
    """A reader connection closed after its statements were prepared (and their loaders
    kept) is freed: nothing kept for it refers to it any longer."""
    post_comment("Read.")
    tag = client.get(LISTING).headers["ETag"]
    for _ in range(7):
        assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
    with app.app_context():
        readers = reader_connections(db.engine)
        generation, connection = readers.take()
        gone = weakref.ref(connection)
        readers.close(connection)
        del connection
    gc.collect()
    assert gone() is None


def test_at_most_prepared_max_statements_are_kept(connection):
    connection.prepare_threshold, connection.prepared_max = 0, 2
    reads = PreparedReads()
    for n in (1, 2, 3, 1):
        assert reads.run(connection, f"SELECT {n} + %(one)s::int", {"one": 1}) == [(n + 1,)]
    statements = connection.execute(
        "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'discuss\\_read\\_%'"
        " ORDER BY prepare_time").fetchall()
    assert [text for (text,) in statements] == ["SELECT 3 + $1::int", "SELECT 1 + $1::int"]


def test_a_failed_statement_raises_the_drivers_error_and_the_connection_goes_on(connection):
    import psycopg

    reads = PreparedReads()
    with pytest.raises(psycopg.errors.UndefinedColumn):
        reads.run(connection, "SELECT no_such_column", {})
    with pytest.raises(psycopg.errors.DivisionByZero):
        reads.run(connection, "SELECT 1 / %(zero)s::int", {"zero": 0})
    assert reads.run(connection, "SELECT 1 / %(one)s::int", {"one": 1}) == [(1,)]


def test_a_connection_the_server_closed_raises_the_drivers_operational_error(connection,
                                                                             database_url):
    import psycopg

    reads = PreparedReads()
    assert reads.run(connection, "SELECT 1", {}) == [(1,)]
    terminate_backends(database_url, [connection.info.backend_pid])
    for _ in range(2):  # the read that finds out, and any read after it on that connection
        with pytest.raises(psycopg.OperationalError):
            reads.run(connection, "SELECT 1", {})
    assert connection.closed


def test_a_value_the_server_refuses_is_a_data_error_as_through_the_session(on_postgresql,
                                                                           app, site):
    """``fetch_all`` raises SQLAlchemy's class of the driver's error, as the session does: a
    value the database refuses is a ``DataError`` (answered 400), not a lost server (503)."""
    import sqlalchemy as sa

    from discuss.models import Site
    from discuss.pool import fetch_all

    statement = sa.select(Site.id).where(Site.slug == sa.bindparam("slug"))
    with app.app_context():
        with pytest.raises(sa.exc.DataError) as refused:
            fetch_all(db.engine, statement, {"slug": "news\x00"})
        assert not refused.value.connection_invalidated
        assert len(fetch_all(db.engine, statement, {"slug": "news"})) == 1
