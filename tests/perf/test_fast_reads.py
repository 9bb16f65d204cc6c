"""The readers' fast path (discuss/web/fast_reads.py) answers exactly what Flask would.

It answers two requests: a thread's comments and the counts of many threads.

Each request is sent to an app with the fast path and to one without it (the same database);
status, headers (but the fresh request id) and bytes must be the same. Separately: the fast
path really answers before Flask (no hook runs), counts in the metrics and the access log,
and stays out of the way of everything that is not an anonymous read of a listing.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from discuss import create_app
from discuss.extensions import db
from discuss.pool import reader_connections
from discuss.services.sites import create_site
from discuss.web.fast_reads import RECENT_ANSWERS, FastReads, KeptCounts
from tests.conftest import terminate_backends

LISTING = "/api/v1/comments?site=news&thread=article-1"
COUNTS = "/api/v1/counts?site=news&thread=article-1"
OWN = "http://localhost"


def _flask_only(app: Flask) -> Flask:
    """The same app with the fast path (and the kept counts in front of it) lifted out of
    its WSGI stack; ProxyFix, if any, stays."""
    holder, attribute = app, "wsgi_app"
    while isinstance(layer := getattr(holder, attribute), FastReads | KeptCounts | ProxyFix):
        if isinstance(layer, ProxyFix):
            holder, attribute = layer, "app"
        else:
            setattr(holder, attribute, layer.inner)
    return app


@pytest.fixture
def pair(make_app, make_site, post_comment) -> Any:
    """(fast app, Flask-only app) over one database, with a thread of three comments."""
    make_site(origins=("https://news.example",))
    first = post_comment("First!").get_json()["comment"]["id"]
    post_comment("A reply.", parent_id=first)
    post_comment("Another one.")
    fast = make_app(public_url="https://comments.example")
    slow = _flask_only(make_app(public_url="https://comments.example"))
    return fast, slow


def _watch(app: Flask) -> list[str]:
    """Notes each request that reaches Flask's hooks (first of them, so none can skip it)."""
    seen: list[str] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: seen.append("flask"))
    return seen


def _same(fast: Flask, slow: Flask, path: str, headers: dict[str, str] | None = None,
          **environ: Any) -> Any:
    answers = []
    for app in (fast, slow):
        response = app.test_client().get(path, headers=headers or {}, environ_base=environ)
        answers.append(response)
    got, want = answers

    def comparable(response: Any) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in response.headers.items() if k != "X-Request-ID")

    sent_id = (headers or {}).get("X-Request-ID")
    for response in answers:
        echoed = response.headers["X-Request-ID"] == sent_id
        assert echoed == (sent_id is not None and " " not in sent_id), path

    assert got.status_code == want.status_code, path
    assert comparable(got) == comparable(want), path
    assert got.get_data() == want.get_data(), path
    return got


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": "https://news.example"},
    {"Origin": "https://NEWS.example/"},
    {"Origin": "https://elsewhere.example"},
    {"Origin": OWN},
    {"Origin": "https://comments.example"},
    {"X-Request-ID": "trace-me-42"},
    {"X-Request-ID": "bad id with spaces"},
])
@pytest.mark.parametrize("query", ["", "&sort=newest", "&limit=1", "&sort=top&limit=2"])
def test_answers_as_flask_would(pair, headers, query):
    fast, slow = pair
    for _ in range(2):  # the first fills the cache, the second reads it
        _same(fast, slow, LISTING + query, headers)


def test_conditional_reads_are_answered_alike(pair):
    fast, slow = pair
    tag = _same(fast, slow, LISTING).headers["ETag"]
    answer = _same(fast, slow, LISTING, {"If-None-Match": tag, "Origin": "https://news.example"})
    assert answer.status_code == 304 and answer.get_data() == b""
    assert _same(fast, slow, LISTING, {"If-None-Match": '"stale"'}).status_code == 200
    assert _same(fast, slow, LISTING, {"If-None-Match": "*"}).status_code == 200


@pytest.mark.parametrize("held", [
    "W/{tag}",  # weakened on the way, as a compressing proxy (nginx's gzip) hands it on
    '"stale", {tag}',  # the client holds several copies; the current one is among them
    'W/"stale", W/{tag}',
    ", ".join(f'"stale-{n}"' for n in range(40)) + ", {tag}",  # too long to be remembered
])
def test_a_current_tag_earns_a_304_however_the_header_names_it(pair, held):
    fast, slow = pair
    tag = _same(fast, slow, LISTING).headers["ETag"]
    seen = _watch(fast)

    answer = _same(fast, slow, LISTING, {"If-None-Match": held.format(tag=tag)})

    assert answer.status_code == 304 and answer.get_data() == b""
    assert answer.headers["ETag"] == tag
    assert seen == []  # the fast path answered it, and Flask's view answered alike


@pytest.mark.parametrize("held", ['garbage ,,, ;;"', '"', ",,,", '"t" "t"', "W/", "*, nonsense"])
def test_a_malformed_if_none_match_is_read_as_naming_no_copy(pair, held):
    fast, slow = pair
    assert _same(fast, slow, LISTING, {"If-None-Match": held}).status_code == 200


@pytest.mark.parametrize("headers", [
    {}, {"Origin": "https://news.example"}, {"Origin": "https://elsewhere.example"},
    {"Origin": OWN}, {"X-Request-ID": "trace-me-42"},
])
@pytest.mark.parametrize("query", [
    "", "&thread=never-commented", "&thread=zeta&thread=alpha&thread=article-1",
    "&thread=caf%C3%A9%20%E2%80%94%20%F0%9F%98%80",
])
def test_counts_are_answered_as_flask_would(pair, headers, query):
    fast, slow = pair
    answer = _same(fast, slow, COUNTS + query, headers)
    assert answer.get_json()["counts"]["article-1"] == 3


def test_counts_errors_are_alike(pair):
    fast, slow = pair
    too_many = "".join(f"&thread=t{n}" for n in range(101))
    for path, status in (("/api/v1/counts?site=news", 400),
                         ("/api/v1/counts?site=nowhere&thread=t", 404),
                         ("/api/v1/counts?thread=t", 400),
                         ("/api/v1/counts?site=news" + too_many, 400),
                         ("/api/v1/counts?site=news&thread=" + "k" * 1000, 400)):
        assert _same(fast, slow, path).status_code == status, path


def test_later_pages_and_errors_are_alike(pair):
    fast, slow = pair
    first = _same(fast, slow, LISTING + "&limit=1").get_json()
    _same(fast, slow, LISTING + f"&limit=1&cursor={first['next_cursor']}")
    for path, status in ((LISTING + "&limit=abc", 400), (LISTING + "&cursor=garbage", 400),
                         ("/api/v1/comments?site=nowhere&thread=t", 404),
                         ("/api/v1/comments?site=news", 400),
                         ("/api/v1/comments?site=news&thread=never-commented", 200)):
        assert _same(fast, slow, path).status_code == status, path


@pytest.mark.parametrize("path", [LISTING, COUNTS])
def test_a_database_away_is_asked_once_and_answered_as_flask_would(tmp_path, path):
    """The fast path hands its database error to Flask, which answers the 503 without
    connecting again (against an unreachable server each attempt waits out a timeout)."""
    url = f"sqlite:///{tmp_path}/missing-folder/discuss.db"  # cannot be opened
    attempts: list[str] = []
    apps = []
    for fast in (True, False):
        app = create_app({"database_url": url, "secret_key": "test-secret-" + "k" * 20,
                          "instance_path": str(tmp_path / "instance")})
        with app.app_context():
            sa.event.listen(db.engine, "do_connect", lambda *_: attempts.append("connect"))
        apps.append(app if fast else _flask_only(app))
    answer = _same(*apps, path, {"Origin": OWN})
    assert answer.status_code == 503
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Retry-After"] == "5"
    assert attempts == ["connect", "connect"]  # once by each app: the fast one did not retry


def _idle_readers(app: Flask, count: int) -> list[int]:
    """Leave ``count`` reader connections idle, as after that many reads at one moment;
    their server process ids."""
    with app.app_context():
        readers = reader_connections(db.engine)
        taken = [readers.take() for _ in range(count)]
        pids = [connection.execute("SELECT pg_backend_pid()").fetchone()[0]
                for _, connection in taken]
        for generation, connection in taken:
            readers.give_back(generation, connection)
        assert readers.idle_count() == count
    return pids


def _read_once(backend: str, make_app, make_site, post_comment) -> tuple[Flask, Any]:
    """On PostgreSQL (else skip): an app and its client after one read of a one-comment
    thread, which left a reader connection idle."""
    if backend != "postgresql":
        pytest.skip("needs server-side connections to terminate")
    make_site()
    post_comment("Hello")
    app = make_app()
    client = app.test_client()
    assert client.get(LISTING).status_code == 200
    return app, client


def test_a_restarted_server_is_not_an_outage_for_readers(backend, make_app, make_site,
                                                         post_comment, database_url):
    """Unlike a database away, connections the server has closed (a restart, a failover)
    are not an outage: the reader gets the page, through Flask on a new connection, and
    none of the other dead connections is tried on the way."""
    app, client = _read_once(backend, make_app, make_site, post_comment)
    pids = _idle_readers(app, 2)
    connects: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "do_connect", lambda *_: connects.append("connect"))
    terminate_backends(database_url, pids)
    answer = client.get(LISTING)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["comments"][0]["html"] == "<p>Hello</p>"
    assert connects == ["connect"]
    with app.app_context():
        assert reader_connections(db.engine).idle_count() == 1


def test_reads_that_find_the_server_lost_at_once_dispose_the_engine_once(
        backend, make_app, make_site, database_url):
    """Each thread may find out on a connection of its own; the first disposes the engine,
    the others must not dispose the new connections the retries have just opened."""
    if backend != "postgresql":
        pytest.skip("needs server-side connections to terminate")
    make_site()
    app = make_app()
    pids = _idle_readers(app, 2)
    disposals: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "engine_disposed", lambda *_: disposals.append("dispose"))
        readers = reader_connections(db.engine)
        taken = [readers.take() for _ in range(2)]  # at once, before either failed
        terminate_backends(database_url, pids)
        lost = []
        for generation, connection in taken:
            with pytest.raises(db.engine.dialect.loaded_dbapi.Error) as failed:
                connection.execute("SELECT 1")
            lost.append(readers.discard(generation, connection, failed.value))
        assert lost == [True, True]
        assert disposals == ["dispose"]
        generation, fresh = readers.take()
        assert fresh.execute("SELECT 1").fetchone() == (1,)
        readers.give_back(generation, fresh)


def test_a_reader_connection_idle_for_a_while_is_checked_first(backend, make_app, make_site,
                                                                post_comment, database_url):
    """A read that Flask answers (a signed-in reader) has no second try: an idle connection
    the server dropped meanwhile is found out before the read, not by a 503."""
    app, client = _read_once(backend, make_app, make_site, post_comment)
    client.set_cookie("session", "signed-in")  # a cookie: Flask answers, not the fast path
    pids = _idle_readers(app, 1)
    with app.app_context():
        reader_connections(db.engine).idle_seconds = 0.0  # "a while" is now
    terminate_backends(database_url, pids)
    answer = client.get(LISTING)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["comments"][0]["html"] == "<p>Hello</p>"


def test_disposing_the_engine_closes_the_reader_connections(make_app, make_site,
                                                            post_comment):
    """Idle ones at once, one in use when it is given back; the next read opens anew."""
    make_site()
    post_comment("Hello")
    app = make_app()
    client = app.test_client()
    assert client.get(LISTING).status_code == 200
    with app.app_context():
        readers = reader_connections(db.engine)
        (generation, busy), (idle_generation, idle) = readers.take(), readers.take()
        readers.give_back(idle_generation, idle)
        driver_error = db.engine.dialect.loaded_dbapi.Error
        db.engine.dispose()
        with pytest.raises(driver_error):
            idle.cursor().execute("SELECT 1")
        readers.give_back(generation, busy)
        with pytest.raises(driver_error):
            busy.cursor().execute("SELECT 1")
        assert readers.idle_count() == 0
    assert client.get(LISTING).status_code == 200
    with app.app_context():
        assert reader_connections(db.engine).idle_count() == 1


def test_a_pooled_connection_out_while_the_engine_is_disposed_is_closed_when_back(make_app):
    """It goes back to the pool the engine no longer uses, which would keep it open; one
    taken after the dispose stays open for the next request."""
    app = make_app()
    with app.app_context():
        engine = db.engine
        driver_error = engine.dialect.loaded_dbapi.Error
        before = engine.raw_connection()
        old_driver = before.driver_connection
        engine.dispose()  # as a reader that finds the server lost does
        after = engine.raw_connection()
        before.close()  # checked in
        with pytest.raises(driver_error):
            old_driver.cursor().execute("SELECT 1")
        new_driver = after.driver_connection
        after.close()
        new_driver.cursor().execute("SELECT 1")


def test_a_forked_child_leaves_its_parents_reader_connections_alone(backend, make_app,
                                                                    make_site):
    """A process forked with the app (a server that preloads it) neither reads on the
    parent's connections nor, disposing its engine, closes them under the parent."""
    if backend != "postgresql":
        pytest.skip("needs a server-side connection a child could close")
    make_site()
    app = make_app()
    _idle_readers(app, 1)
    with app.app_context():
        readers = reader_connections(db.engine)
        generation, parents = readers.take()
        readers.give_back(generation, parents)
        for dispose_first in (True, False):
            child = os.fork()
            if child == 0:  # pragma: no cover  (the child reports through its exit code)
                try:
                    if dispose_first:
                        db.engine.dispose()
                    own_generation, own = readers.take()
                    answered = own.execute("SELECT 1").fetchone() == (1,)
                    readers.give_back(own_generation, own)
                    db.engine.dispose()
                    os._exit(0 if own is not parents and answered else 1)
                except BaseException:
                    os._exit(2)
            _, status = os.waitpid(child, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        generation, again = readers.take()
        assert again is parents
        assert again.execute("SELECT 1").fetchone() == (1,)
        readers.give_back(generation, again)


def test_reads_take_no_pooled_connection_and_reuse_their_own(app, client, site, post_comment):
    """A reader's read borrows nothing from the pool that writers use, and one idle reader
    connection serves one reader after another."""
    post_comment("Counted.")
    tag = client.get(LISTING).headers["ETag"]
    checkouts: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "checkout", lambda *_: checkouts.append("checkout"))
    for _ in range(3):
        assert client.get(LISTING).status_code == 200
        assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
        assert client.get(COUNTS).status_code == 200
    assert checkouts == []
    with app.app_context():
        readers = reader_connections(db.engine)
        assert readers.idle_count() == 1
        generation, connection = readers.take()
        try:  # it waits outside any transaction: it holds no snapshot and no lock
            if db.engine.dialect.name == "postgresql":
                import psycopg

                assert connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            else:
                assert not connection.in_transaction
        finally:
            readers.give_back(generation, connection)


def test_an_in_memory_database_is_read_through_its_one_connection(tmp_path):
    """An in-memory SQLite database exists only in its connection: a reader connection of
    its own would find no tables, so reads borrow the pool's."""
    app = create_app({"database_url": "sqlite://", "secret_key": "test-secret-" + "k" * 20,
                      "instance_path": str(tmp_path)})
    with app.app_context():
        db.create_all()
        create_site("news", ["https://news.example"], spam_checks=[])
        db.session.commit()
    answer = app.test_client().get(LISTING)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["comments"] == []
    with app.app_context():
        assert reader_connections(db.engine).idle_count() == 0
        db.engine.dispose()


def test_over_https_behind_a_proxy_it_adds_hsts_as_flask_does(make_app, make_site,
                                                               post_comment):
    make_site()
    post_comment("Hello")
    fast = make_app(trust_proxy_headers=1)
    slow = _flask_only(make_app(trust_proxy_headers=1))
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "comments.example",
                 "Origin": "https://comments.example"}
    answer = _same(fast, slow, LISTING, forwarded)
    assert "Strict-Transport-Security" in answer.headers
    assert answer.headers["Access-Control-Allow-Origin"] == "https://comments.example"


def test_it_answers_before_flask_and_is_counted(pair, caplog):
    fast, _ = pair
    seen = _watch(fast)
    client = fast.test_client()
    with caplog.at_level(logging.INFO, logger="discuss.access"):
        assert client.get(LISTING).status_code == 200
        tag = client.get(LISTING).headers["ETag"]
        assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
        assert client.get(COUNTS).status_code == 200
    assert seen == []  # not one Flask hook ran
    lines = [r for r in caplog.records if r.name == "discuss.access"]
    assert [(r.status, r.endpoint) for r in lines] == [(200, "/api/v1/comments")] * 2 + [
        (304, "/api/v1/comments"), (200, "/api/v1/counts")]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert ('discuss_http_requests_total{endpoint="/api/v1/comments",method="GET",'
            'status="304"}') in metrics
    assert ('discuss_http_requests_total{endpoint="/api/v1/counts",method="GET",'
            'status="200"}') in metrics


@pytest.mark.parametrize(("method", "headers", "path"), [
    ("GET", {"Cookie": "session=abc"}, LISTING),
    ("GET", {"Authorization": "Bearer nope"}, LISTING),
    ("HEAD", {}, LISTING),
    ("OPTIONS", {"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
     LISTING),
    ("GET", {}, "/api/v1/comments/1"),
    ("POST", {}, COUNTS),
    ("GET", {"Cookie": "session=abc"}, COUNTS),
    ("GET", {}, "/api/v1/config?site=news&thread=article-1"),
    ("GET", {}, "/api/v1/comments?site=nowhere&thread=t"),
])
def test_everything_else_goes_through_flask(pair, method, headers, path):
    fast, _ = pair
    seen = _watch(fast)
    client = fast.test_client()
    if "Cookie" in headers:
        client.set_cookie("session", "abc")
    client.open(path, method=method, headers={k: v for k, v in headers.items() if k != "Cookie"})
    assert seen == ["flask"]


def test_one_statement_for_a_cached_read_and_a_304(app, client, site, post_comment,
                                                   query_counter):
    post_comment("Counted.")
    seen = _watch(app)
    tag = client.get(LISTING).headers["ETag"]
    with query_counter() as counted:
        assert client.get(LISTING).status_code == 200
    assert counted.count == 1
    with query_counter() as counted:
        assert client.get(LISTING, headers={"If-None-Match": tag}).status_code == 304
    assert counted.count == 1
    with query_counter() as counted:
        assert client.get(COUNTS + "&thread=other").status_code == 200
    assert counted.count == 1
    assert seen == []


def test_with_a_limit_on_every_request_reads_pass_the_limiter(make_app, make_site):
    app = make_app(rate_limit_default="2 per minute")
    make_site()
    assert not isinstance(app.wsgi_app, FastReads | KeptCounts)
    assert RECENT_ANSWERS not in app.extensions
    client = app.test_client()
    codes = [client.get(LISTING).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
