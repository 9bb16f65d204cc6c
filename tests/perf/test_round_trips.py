"""Round trips to PostgreSQL, read off the wire with libpq's own protocol trace.

A transaction begins at the first write (``discuss/transactions.py``): reads before it run in
autocommit, and a post's row and its thread's change travel as one statement, so a post is
five round trips (the site, the ban query, the thread, the duplicate count, the write)
where it was eight with ``BEGIN`` and ``COMMIT``. All five run on reader connections
(``pool.read_before_first_write``, ``pool.write_alone``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Thread, utcnow
from discuss.pool import reader_connections
from discuss.services import accounts
from discuss.services.sites import find_site
from discuss.transactions import is_plain_read
from tests.conftest import terminate_backends


class Wire:
    """The protocol messages of every pooled connection the app checks out meanwhile, and
    of the reader connections ``pool.fetch_all`` makes meanwhile (the engine is disposed
    before and after, so that its reads run on new ones, traced from their checkout)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.file = tempfile.TemporaryFile()
        self.lines: list[str] = []

    def _checked_out(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # Statements are not prepared while traced: preparing one costs a round trip of its
        # own, once, which would make the counts depend on what ran before.
        record.info["prepare_threshold"] = dbapi_connection.prepare_threshold
        dbapi_connection.prepare_threshold = None
        dbapi_connection.pgconn.trace(self.file.fileno())
        dbapi_connection.pgconn.set_trace_flags(
            psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)

    def _checked_in(self, dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.pgconn.untrace()
        dbapi_connection.prepare_threshold = record.info.pop("prepare_threshold", 5)

    def __enter__(self) -> Wire:
        self.engine.dispose()
        sa.event.listen(self.engine, "checkout", self._checked_out)
        sa.event.listen(self.engine, "checkin", self._checked_in)
        return self

    def __exit__(self, *exc: Any) -> None:
        sa.event.remove(self.engine, "checkout", self._checked_out)
        sa.event.remove(self.engine, "checkin", self._checked_in)
        self.engine.dispose()  # closes the traced reader connections
        self.file.seek(0)
        self.lines = self.file.read().decode().splitlines()
        self.file.close()

    @property
    def round_trips(self) -> int:
        """Each answered query or extended-protocol Sync ends with ReadyForQuery."""
        return sum(1 for line in self.lines if line.split("\t")[:3:2] == ["B", "ReadyForQuery"])

    def queries(self) -> list[str]:
        """What was sent: simple queries and the text of parsed statements."""
        sent = []
        for line in self.lines:
            parts = line.split("\t")
            if parts[0] == "F" and parts[2] in ("Query", "Parse"):
                sent.append(parts[3].strip())
        return sent

    def commands(self) -> list[str]:
        return [q.strip('"') for q in self.queries()
                if q.strip('"').split(" ")[0] in ("BEGIN", "COMMIT", "ROLLBACK")]


@pytest.fixture
def wire(app, backend) -> Iterator[type[Wire]]:
    if backend != "postgresql":
        pytest.skip("round trips to a database server: PostgreSQL only")
    with app.app_context():
        engine = db.engine
    yield lambda: Wire(engine)


@pytest.fixture
def post(post_as_widget):
    return post_as_widget


def _thread(app, key: str) -> tuple[int, int]:
    with app.app_context():
        thread = db.session.execute(sa.select(Thread).where(Thread.key == key)).scalar_one()
        return thread.version, thread.comment_count


def test_a_post_is_five_round_trips_without_begin_or_commit(app, client, wire, post):
    assert post(1).status_code in (201, 202)  # the thread exists from here on
    version, count = _thread(app, "article-1")
    with wire() as seen:
        response = post(2)
    assert response.status_code in (201, 202)  # published, or held by the timing check
    assert seen.round_trips == 5, seen.queries()
    assert seen.commands() == [], seen.queries()
    # The one statement wrote both the comment and its thread's change.
    approved = response.status_code == 201
    assert _thread(app, "article-1") == (version + 1, count + approved)
    with app.app_context():
        stored = db.session.get(Comment, response.get_json()["comment"]["id"])
        assert stored.body_source == "Comment number 2 here."


def test_a_first_comment_adds_thread_and_comment_in_one_transaction(app, wire, post):
    """The thread's INSERT opens the transaction; the comment's statement joins it."""
    with wire() as seen:
        assert post(1, thread="fresh").status_code in (201, 202)
    assert seen.commands() == ["BEGIN", "COMMIT"], seen.queries()
    assert _thread(app, "fresh")[0] == 2


def test_a_refused_post_opens_no_transaction(client, wire, post):
    """Reads only (the site's row, then a body of nothing but spaces): nothing to begin,
    nothing to roll back."""
    assert post(1).status_code in (201, 202)
    with wire() as seen:
        blank = client.post("/api/v1/comments", headers={"Origin": "https://news.example"},
                            json={"site": "news", "thread": "article-1",
                                  "author_name": "Reader", "body": "   "})
    assert blank.status_code == 422, blank.get_json()
    assert "body" in blank.get_json()["errors"]
    assert seen.round_trips >= 1
    assert seen.commands() == [], seen.queries()


def test_a_moderation_action_after_reads_is_one_transaction(app, client, wire, post):
    """The action's writes (the status, the thread's change, the audit entry) come after its
    reads: one BEGIN and one COMMIT around all three, and no write outside a transaction."""
    post(1)
    comment_id = post(2).get_json()["comment"]["id"]
    version = _thread(app, "article-1")[0]
    with app.app_context():
        key = accounts.create_api_key("news")[1]
    with wire() as seen:
        response = client.post(f"/api/v1/moderation/comments/{comment_id}",
                               json={"action": "reject"},
                               headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.get_json()
    transactions = _transactions(seen.queries())
    assert ["UPDATE comments", "UPDATE threads", "INSERT INTO audit_events"] in [
        [" ".join(q.split()[:3]) if q.startswith("INSERT") else " ".join(q.split()[:2])
         for q in statements] for statements in transactions], transactions
    assert _thread(app, "article-1")[0] == version + 1
    with app.app_context():
        assert db.session.get(Comment, comment_id).status.value == "rejected"


WRITES = {"INSERT", "UPDATE", "DELETE", "WITH", "SAVEPOINT"}


def _transactions(queries: list[str]) -> list[list[str]]:
    """The writes sent, grouped by the transaction they ran in; a write outside any fails."""
    groups: list[list[str]] = []
    inside = False
    for query in queries:
        sql = query.removeprefix('"" ').strip('"')
        if sql.startswith("BEGIN"):
            inside = True
            groups.append([])
        elif sql in ("COMMIT", "ROLLBACK"):
            inside = False
        elif sql.split()[0].upper() in WRITES:
            assert inside, f"a write outside a transaction: {sql}"
            groups[-1].append(sql)
    return groups


def test_an_export_reads_in_one_snapshot_still(app, wire, post):
    """A session that chose its isolation level keeps its transaction from the first read."""
    from discuss.services.export import export_site

    post(1)
    with wire() as seen, app.app_context():
        text = "".join(export_site("news"))
        db.session.rollback()
    assert "Comment number 1 here." in text
    assert seen.queries()[0].strip('"').startswith("BEGIN ISOLATION LEVEL REPEATABLE READ")


@pytest.mark.parametrize(("sql", "plain"), [
    ("SELECT id FROM sites WHERE slug = %(slug)s", True),
    ("  select 1", True),
    ("SELECT comments.id FROM comments FOR UPDATE", False),
    ("SELECT id FROM threads FOR NO KEY UPDATE OF threads", False),
    ("SELECT id FROM threads FOR SHARE", False),
    ("SELECT id FROM threads FOR KEY SHARE", False),
    ("WITH gone AS (DELETE FROM votes RETURNING id) SELECT count(*) FROM gone", False),
    ("INSERT INTO threads (key) VALUES ('a')", False),
    ("SAVEPOINT sa_savepoint_1", False),
    ("UPDATE threads SET version = version + 1", False),
])
def test_only_plain_selects_run_outside_a_transaction(sql, plain):
    assert is_plain_read(sql) is plain


def test_a_comment_row_and_its_change_are_one_statement(app, wire, post):
    """If the comment cannot be stored, the thread is not bumped either: the row is complete
    but for its parent, whose foreign key is checked at the end of the statement, after the
    change to the thread has run."""
    post(1)
    version, count = _thread(app, "article-1")
    with app.app_context():
        from discuss.services.comments import _INSERT_AND_RECORD, _NEW_ROW
        from discuss.services.threads import change_parameters

        thread_id = db.session.execute(sa.select(Thread.id)).scalar_one()
        row = {"thread_id": thread_id, "parent_id": 10**9, "root_id": 10**9, "depth": 1,
               "status": CommentStatus.APPROVED, "author_name": "Reader", "author_email": None,
               "author_url": None, "author_ip": "192.0.2.9", "user_agent": None,
               "avatar": "a" * 32, "body_source": "x", "body_html": "<p>x</p>",
               "body_hash": "b" * 64, "notify_replies": False, "checks": [], "likes": 0,
               "dislikes": 0, "flag_count": 0, "created_at": utcnow()}
        assert set(row) == set(_NEW_ROW)
        with pytest.raises(sa.exc.IntegrityError) as refused:
            db.session.connection().execute(
                _INSERT_AND_RECORD, {**{f"new_{key}": value for key, value in row.items()},
                                     **change_parameters(thread_id, 1)})
        assert refused.value.orig.sqlstate == "23503"  # foreign_key_violation: the parent
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 1
    assert _thread(app, "article-1") == (version, count)


def test_a_server_defaulting_to_another_isolation_level_keeps_its_transactions(
        make_app, wire, database_url, post):
    """Reads in autocommit are only the same as READ COMMITTED's: on a database whose
    default is REPEATABLE READ, a request's reads share one transaction from the first,
    a post's included (none of them on a reader connection, outside its snapshot)."""
    assert post(1).status_code in (201, 202)  # the site and the thread exist from here on
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_isolation '
                      "TO 'repeatable read'")
    try:
        other = make_app()
        with other.app_context():
            engine = db.engine
            tracer = Wire(engine)
            with tracer:
                assert find_site("elsewhere") is None
                db.session.rollback()
            assert tracer.commands() == ["BEGIN", "ROLLBACK"], tracer.queries()
            with Wire(engine) as seen:
                assert post(2, via=other.test_client()).status_code in (201, 202)
                assert reader_connections(engine).idle_count() == 0  # none was made
            assert seen.commands() == ["BEGIN", "COMMIT"], seen.queries()
            assert seen.round_trips == 7, seen.queries()  # BEGIN, 5 statements, COMMIT
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_isolation')


def test_a_pooled_connection_the_server_ended_is_replaced_before_use(app, backend,
                                                                    database_url):
    """The server ends a connection while it waits in the pool (a restart, a terminated
    backend): the next checkout notices without a round trip and hands out a fresh one."""
    if backend != "postgresql":
        pytest.skip("needs a server-side connection to terminate")
    with app.app_context():
        with db.engine.connect() as connection:
            first = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        terminate_backends(database_url, [first])
        with db.engine.connect() as connection:
            second = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    assert second != first
