"""SQLite's writers queue inside a process (discuss/sqlite_tuning.py): the next writer starts
when the previous transaction ends, instead of sleeping in SQLite's busy handler; readers
never queue; a failed or overlong write never leaves the queue stuck.

These run on a SQLite file of their own whatever ``--backend`` is, since they are about
SQLite's locking; the last one posts through the API of the backend under test.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from discuss.sqlite_tuning import QueuedWriterConnection, WriterQueue, tune_sqlite


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'writers.db'}",
                              connect_args={"timeout": 5, "check_same_thread": False})
    engine.queue = tune_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (body TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def _traced(conn: sa.Connection, log: list[str], name: str, lock: threading.Lock) -> None:
    """Log each statement as SQLite starts it (before any wait inside SQLite)."""
    def trace(sql: str) -> None:
        with lock:
            log.append(f"{name}: {sql.strip().split()[0].upper()}")

    conn.connection.driver_connection.set_trace_callback(trace)


def test_connections_are_queued(engine: Any) -> None:
    with engine.connect() as conn:
        assert isinstance(conn.connection.driver_connection, QueuedWriterConnection)
    assert isinstance(engine.queue, WriterQueue)


def test_second_writer_starts_only_after_the_first_commits(engine: Any) -> None:
    log: list[str] = []
    log_lock = threading.Lock()
    second_about_to_write = threading.Event()
    failures: list[BaseException] = []

    def second_writer() -> None:
        try:
            with engine.connect() as conn:
                _traced(conn, log, "second", log_lock)
                second_about_to_write.set()
                conn.execute(sa.text("INSERT INTO notes VALUES ('second')"))
                conn.commit()
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            failures.append(error)

    with engine.connect() as first:
        _traced(first, log, "first", log_lock)
        first.execute(sa.text("INSERT INTO notes VALUES ('first')"))
        assert engine.queue.busy
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert second_about_to_write.wait(5)
        # Without the queue the second INSERT would start now and wait inside SQLite.
        for _ in range(50):
            with log_lock:
                if any(entry.startswith("second: INSERT") for entry in log):
                    break
            threading.Event().wait(0.01)
        first.commit()
    thread.join(10)
    assert not thread.is_alive() and not failures
    statements = [entry for entry in log if entry.endswith(("INSERT", "COMMIT"))]
    assert statements == ["first: INSERT", "first: COMMIT", "second: INSERT", "second: COMMIT"]
    assert not engine.queue.busy
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM notes")).scalar_one() == 2


def test_readers_do_not_wait_for_a_writer(engine: Any) -> None:
    seen: list[int] = []
    with engine.connect() as writer:
        writer.execute(sa.text("INSERT INTO notes VALUES ('pending')"))

        def read() -> None:
            with engine.connect() as reader:
                seen.append(reader.execute(sa.text("SELECT count(*) FROM notes")).scalar_one())

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(5)
        assert seen == [0]  # read at once, before the writer commits
        assert engine.queue.busy
        writer.rollback()
    assert not engine.queue.busy


def test_a_failed_first_write_leaves_the_queue(engine: Any) -> None:
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError):
        conn.execute(sa.text("INSERT INTO no_such_table VALUES (1)"))
    assert not engine.queue.busy
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO notes VALUES ('after the failure')"))
    assert not engine.queue.busy


def test_a_write_that_fails_inside_a_transaction_leaves_with_the_rollback(engine: Any) -> None:
    with engine.connect() as conn:
        conn.execute(sa.text("INSERT INTO notes VALUES ('kept until rollback')"))
        with pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("INSERT INTO notes VALUES (NULL)"))
        assert engine.queue.busy  # the transaction is still open
        conn.rollback()
    assert not engine.queue.busy


def test_a_writer_waiting_longer_than_the_busy_timeout_is_told_the_database_is_locked(
        tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'short.db'}",
                              connect_args={"timeout": 0.2, "check_same_thread": False})
    queue = tune_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (body TEXT)"))
    with engine.connect() as first, engine.connect() as second:
        first.execute(sa.text("INSERT INTO notes VALUES ('first')"))
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            second.execute(sa.text("INSERT INTO notes VALUES ('second')"))
        first.commit()
        second.rollback()
    assert not queue.busy
    engine.dispose()


def test_concurrent_posts_are_all_stored(make_app: Any, tmp_path: Path, backend: str,
                                         database_url: str) -> None:
    """Many threads posting at once through the API: none fails, none is lost."""
    from discuss.extensions import db
    from discuss.models import Comment
    from discuss.schema_migrations import upgrade_database
    from discuss.services.sites import create_site

    url = f"sqlite:///{tmp_path / 'posts.db'}" if backend == "sqlite" else database_url
    app = make_app(database_url=url)
    if backend == "sqlite":
        upgrade_database(app)
    with app.app_context():
        create_site("busy", ["https://busy.example"], "post", spam_checks=[])
        db.session.commit()
    token = app.test_client().get("/api/v1/config", query_string={
        "site": "busy", "thread": "article"}).get_json()["form_token"]
    statuses: list[int] = []
    lock = threading.Lock()

    def poster(worker: int) -> None:
        client = app.test_client()
        for n in range(10):
            response = client.post("/api/v1/comments", json={
                "site": "busy", "thread": "article", "form_token": token,
                "author_name": "Reader", "body": f"Comment {n} from writer {worker}."},
                environ_base={"REMOTE_ADDR": f"198.51.100.{worker + 1}"})
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=poster, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [201] * 60
    with app.app_context():
        assert db.session.query(Comment).count() == 60
