"""PostgreSQL goes away mid-run and comes back: requests answer 503 problem+json without
hanging, /readyz says not ready, the service recovers without a restart, and every comment
that was accepted is in the database afterwards.

Runs against a private PostgreSQL cluster started for the test (the shared server is never
stopped), served over real HTTP by a threaded server."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import psycopg
import pytest
import requests

from discuss import create_app
from discuss.extensions import db
from discuss.schema_migrations import upgrade_database
from discuss.services.sites import create_site
from tests.conftest import terminate_backends
from tests.reliability.faultkit import Server, wait_until

HANG = 15  # seconds: a request slower than this counts as a hang and fails the test


class Writers:
    """Clients that post comments until told to stop, remembering every answer."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: list[tuple[int, dict]] = []
        self.failures: list[str] = []
        self.serial = itertools.count()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        http = requests.Session()
        with http:
            self._post_until_stopped(http)

    def _post_until_stopped(self, http: requests.Session) -> None:
        token = http.get(f"{self.url}/api/v1/config?site=news&thread=t", timeout=HANG).json()
        while not self.stop.is_set():
            body = f"comment number {next(self.serial)}"
            try:
                response = http.post(f"{self.url}/api/v1/comments", timeout=HANG, json={
                    "site": "news", "thread": "t", "body": body, "author_name": "w",
                    "form_token": token["form_token"]})
            except requests.RequestException as error:  # a hang or a dropped connection
                with self.lock:
                    self.failures.append(repr(error))
                continue
            try:
                answer = response.json()
            except ValueError:  # not JSON at all: a bare server error page
                with self.lock:
                    self.failures.append(f"{response.status_code}: {response.text[:200]}")
                continue
            with self.lock:
                self.answers.append((response.status_code, {
                    "body": body, "json": answer,
                    "type": response.headers.get("Content-Type", ""),
                    "seconds": response.elapsed.total_seconds()}))

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for code, _ in self.answers if code == status)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(HANG + 5)


@pytest.mark.slow
def test_postgresql_outage_gives_503_then_recovers_without_restart(throwaway_postgres,
                                                                    tmp_path):
    pg = throwaway_postgres
    app = create_app({"database_url": pg.url, "secret_key": "fault-test-" + "k" * 20,
                      "instance_path": str(tmp_path), "rate_limit_comments": "100000 per minute"})
    upgrade_database(app)
    with app.app_context():
        create_site("news", ["https://news.example"], spam_checks=[])
    try:
        _outage_and_recovery(app, pg)
    finally:
        with app.app_context():
            db.engine.dispose()


def _outage_and_recovery(app: Any, pg: Any) -> None:
    server = Server(app)
    http = requests.Session()
    writers = Writers(server.url, count=4)
    try:
        wait_until(lambda: writers.count(201) >= 20, what="comments before the outage")

        pg.stop("fast")
        outage_start = len(writers.answers)
        wait_until(lambda: writers.count(503) >= 10, timeout=HANG * 2, what="503 answers")
        ready = http.get(f"{server.url}/readyz", timeout=HANG)
        assert ready.status_code == 503 and ready.json()["status"] == "not ready"
        assert http.get(f"{server.url}/healthz", timeout=HANG).status_code == 200
        listing = http.get(f"{server.url}/api/v1/comments?site=news&thread=t", timeout=HANG)
        assert listing.status_code == 503
        assert listing.headers["Content-Type"] == "application/problem+json"
        assert listing.headers["Retry-After"]
        assert listing.json()["status"] == 503 and "Traceback" not in listing.text

        pg.start()
        wait_until(lambda: http.get(f"{server.url}/readyz", timeout=HANG).status_code == 200,
                   what="readiness after PostgreSQL returned")
        accepted_before_recovery = writers.count(201)
        wait_until(lambda: writers.count(201) >= accepted_before_recovery + 20,
                   what="comments after recovery")
    finally:
        writers.finish()
        server.stop()
        http.close()

    statuses = {code for code, _ in writers.answers}
    assert writers.failures == [], writers.failures[:5]
    assert statuses <= {201, 503}, statuses
    during = [answer for code, answer in writers.answers[outage_start:] if code == 503]
    assert during and all(a["type"] == "application/problem+json" for a in during)
    assert all(set(a["json"]) >= {"type", "title", "status", "detail"} for a in during)
    slowest = max(a["seconds"] for a in during)
    print(f"outage: {len(during)} answers 503, slowest {slowest * 1000:.0f} ms; "
          f"{writers.count(201)} comments accepted in all")

    accepted = {a["json"]["comment"]["id"]: a["body"] for code, a in writers.answers
                if code == 201}
    with psycopg.connect(pg.url) as conn:
        stored = dict(conn.execute("SELECT id, body_source FROM comments").fetchall())
        counted = conn.execute("SELECT comment_count FROM threads WHERE key = 't'").fetchone()[0]
        approved = conn.execute(
            "SELECT count(*) FROM comments WHERE status = 'approved'").fetchone()[0]
    missing = {cid: body for cid, body in accepted.items() if stored.get(cid) != body}
    assert missing == {}, f"accepted but not stored: {list(missing.items())[:5]}"
    assert counted == approved


def test_unanswering_database_costs_seconds_not_minutes(tmp_path):
    """A server that accepts the connection and then says nothing (a network black hole)."""
    import socket

    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)  # the kernel completes handshakes; nobody ever answers
    port = hole.getsockname()[1]
    try:
        app = create_app({"database_url": f"postgresql://nobody@127.0.0.1:{port}/void",
                          "secret_key": "fault-test-" + "k" * 20, "db_connect_timeout": 1,
                          "instance_path": str(tmp_path)})
        http = app.test_client()
        ready = http.get("/readyz")
        assert ready.status_code == 503
        listing = http.get("/api/v1/comments?site=news&thread=t")
        assert listing.status_code == 503
        assert listing.headers["Content-Type"] == "application/problem+json"
    finally:
        hole.close()


def test_a_held_lock_times_out_into_503_and_the_next_request_succeeds(
        backend, make_app, make_site, post_comment, database_url):
    if backend != "postgresql":
        pytest.skip("row locks and lock timeouts are a PostgreSQL matter")
    app = make_app(db_statement_timeout_ms=300)
    make_site()
    created = post_comment("Lock me.")
    comment_id = created.get_json()["comment"]["id"]
    client = app.test_client()
    with psycopg.connect(database_url) as blocker:
        blocker.execute("SELECT id FROM comments WHERE id = %s FOR UPDATE", (comment_id,))
        stuck = client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": 1})
        assert stuck.status_code == 503
        assert stuck.headers["Content-Type"] == "application/problem+json"
        blocker.rollback()
    voted = client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": 1})
    assert voted.status_code == 200 and voted.get_json()["likes"] == 1


def _terminate_session_connection(database_url: str) -> None:
    """Have PostgreSQL end the server process behind the session's connection."""
    import sqlalchemy as sa

    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    terminate_backends(database_url, [pid])


def test_connection_lost_after_the_answer_is_ready_still_answers(backend, make_app,
                                                                 database_url):
    """The connection dies between the view's last query and the session's cleanup (as when
    PostgreSQL shuts down right after a commit): the finished answer must still go out."""
    if backend != "postgresql":
        pytest.skip("needs a server-side connection to terminate")

    app = make_app()

    @app.get("/__answer-then-lose-connection")
    def answer_then_lose_connection():
        _terminate_session_connection(database_url)
        return {"answered": True}

    response = app.test_client().get("/__answer-then-lose-connection")
    assert response.status_code == 200 and response.get_json() == {"answered": True}
    assert app.test_client().get("/readyz").status_code == 200  # and the pool recovers


def test_a_swallowed_connection_loss_still_ends_in_503(backend, make_app, database_url):
    """Code that catches a database error and carries on (as a best-effort lookup does) leaves
    the session unusable; the next statement must still be answered 503, not 500."""
    if backend != "postgresql":
        pytest.skip("needs a server-side connection to terminate")
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    app = make_app()

    @app.get("/api/v1/__best-effort-then-query")
    def best_effort_then_query():
        _terminate_session_connection(database_url)
        try:
            db.session.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            pass  # best effort: carry on without it
        db.session.execute(sa.text("SELECT 2"))
        return {"unreachable": True}

    response = app.test_client().get("/api/v1/__best-effort-then-query")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert app.test_client().get("/readyz").status_code == 200


def test_a_request_that_opened_a_session_leaves_none_behind(make_app):
    """``release_session`` is the one teardown that closes what a request opened (it stands
    in for Flask-SQLAlchemy's own): no session stays registered, no connection checked out."""
    import sqlalchemy as sa

    app = make_app()

    @app.get("/__opens-a-session")
    def opens_a_session():
        return {"read": db.session.execute(sa.text("SELECT 1")).scalar_one()}

    for _ in range(3):
        assert app.test_client().get("/__opens-a-session").get_json() == {"read": 1}
    with app.app_context():
        assert db.session.registry.registry == {}
        assert db.engine.pool.checkedout() == 0
