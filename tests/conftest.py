"""Fixtures: a real database per backend, a fresh app per test, factories and a live server.

The backend is chosen with ``--backend sqlite|postgresql`` (or DISCUSS_TEST_BACKEND). The
schema is built once per run by the Alembic migrations; every test starts from empty tables.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from discuss import create_app
from discuss.extensions import db
from discuss.schema_migrations import upgrade_database

PG_ADMIN_URL = os.environ.get("DISCUSS_TEST_PG_ADMIN", "postgresql://127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("DISCUSS_TEST_BACKEND", "sqlite"),
        help="database the suite runs against",
    )


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--backend")


@pytest.fixture(scope="session")
def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """An empty database for this run (and xdist worker), migrated to the latest schema."""
    if backend == "postgresql":
        checkout = hashlib.sha1(str(request.config.rootpath).encode()).hexdigest()[:6]
        name = f"discuss_test_{checkout}_{_worker()}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'discuss.db'}"
    app = create_app({"database_url": url, "secret_key": "x" * 32,
                      "instance_path": str(tmp_path_factory.mktemp("instance"))})
    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()
    yield url


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Any) -> Iterator[Callable[..., Flask]]:
    """Build an app with setting overrides; tables are emptied after the test."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        settings = {"database_url": database_url, "secret_key": "test-secret-" + "k" * 20,
                    "instance_path": str(tmp_path / "instance")}
        settings.update(overrides)
        app = create_app(settings)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield factory
    if apps:
        _empty_tables(apps[0])
    for other in apps[1:]:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def fresh_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """A new app over emptied tables, ids counting from 1 again: for a test that must start
    from the very same state many times (a stateful fuzzer replaying its examples)."""

    def factory(**overrides: Any) -> Flask:
        built = make_app(**overrides)
        _empty_tables(built)
        return built

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_site(app: Flask) -> Callable[..., Any]:
    """Create a site through the service, then apply any settings given.

    Sites made here run no spam checks unless ``spam_checks=[...]`` is given (validated),
    so tests can post at once; ``discuss sites create`` gives real sites the defaults.
    """
    from discuss.services.sites import create_site

    def factory(slug: str = "news", origins: tuple[str, ...] = ("https://news.example",),
                moderation: str = "post", spam_checks: list[dict] | None = None,
                **settings: Any):
        with app.app_context():
            site = create_site(slug, origins, moderation, spam_checks=spam_checks or [])
            for name, value in settings.items():
                setattr(site, name, value)
            db.session.commit()
            return site.slug

    return factory


@pytest.fixture
def store_site_checks(app: Flask) -> Callable[..., None]:
    """Write a site's spam checks straight to the database, unvalidated: as an earlier
    version or an earlier choice left them, which comment time must cope with."""
    from discuss.models import Site

    def store(checks: list[dict], slug: str = "news") -> None:
        with app.app_context():
            site = db.session.execute(sa.select(Site).filter_by(slug=slug)).scalar_one()
            site.spam_checks = checks
            db.session.commit()

    return store


@pytest.fixture
def site(make_site: Callable[..., Any]) -> str:
    return make_site()


@pytest.fixture
def form_token(client: FlaskClient) -> Callable[[str, str], str | None]:
    def fetch(site: str = "news", thread: str = "article-1") -> str | None:
        response = client.get("/api/v1/config", query_string={"site": site, "thread": thread})
        return response.get_json().get("form_token")

    return fetch


@pytest.fixture
def post_comment(client: FlaskClient, form_token: Callable[..., str]) -> Callable[..., Any]:
    """POST a comment the way the widget does; returns the response."""

    def post(body: str = "A thoughtful comment.", site: str = "news", thread: str = "article-1",
             ip: str = "192.0.2.1", **fields: Any):
        payload = {"site": site, "thread": thread, "body": body,
                   "form_token": form_token(site, thread), "author_name": "Reader"}
        payload.update(fields)
        payload = {k: v for k, v in payload.items() if v is not None}
        return client.post("/api/v1/comments", json=payload, environ_base={"REMOTE_ADDR": ip})

    return post


@pytest.fixture
def query_counter(app: Flask) -> Callable[[], Any]:
    """Counts the SQL statements run inside a ``with`` block."""

    class Counter:
        def __init__(self) -> None:
            self.count = 0
            self.statements: list[str] = []

        def _on_execute(self, conn, cursor, statement, *args: Any) -> None:
            self.count += 1
            self.statements.append(statement)

        def __enter__(self) -> Counter:
            with app.app_context():
                self.engine = db.engine
            sa.event.listen(self.engine, "before_cursor_execute", self._on_execute)
            return self

        def __exit__(self, *exc: Any) -> None:
            sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)

    return Counter


class LiveServer:
    """The app served over real HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()


def require_service(name: str, available: bool) -> None:
    """Missing PostgreSQL, Redis, Chromium or valgrind fails under CI and skips (loudly)
    elsewhere."""
    if available:
        return
    message = f"{name} is not available on this machine"
    if os.environ.get("DISCUSS_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{message}, and CI requires it")
    pytest.skip(message)


def terminate_backends(database_url: str, pids: list[int]) -> None:
    """What a server restart or a failover does to these PostgreSQL connections."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        for pid in pids:  # and wait (up to 5 s) until the server process is gone
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _reserve_redis_database(url: str) -> tuple[str, Any]:
    """The highest Redis database, from the one ``url`` names down to 1, that no other test
    process on this machine holds: each xdist worker, and each test run of another checkout,
    gets its own, so that one's flush never wipes the counts another is asserting. Held by
    an exclusive lock on a file per database until the returned file is closed."""
    base, _, number = url.rpartition("/")
    if not number.isdigit():
        return url, None
    place = base.split("//", 1)[-1].split("@")[-1].replace(":", "-").replace("/", "-")
    for database in range(int(number), 0, -1):
        held = open(Path(tempfile.gettempdir()) / f"discuss-tests-redis-{place}-{database}.lock",
                    "w")  # noqa: SIM115  (kept open: the lock lasts as long as the file)
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.close()
            continue
        return f"{base}/{database}", held
    pytest.fail(f"every Redis database from {number} down to 1 is held by other test runs")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database reserved for this test process, flushed before use."""
    import redis

    url, held = _reserve_redis_database(
        os.environ.get("DISCUSS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    try:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
            available = True
        except redis.RedisError:
            available = False
        require_service("Redis", available)
        yield url
    finally:
        if held is not None:
            held.close()
