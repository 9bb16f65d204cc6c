"""A post's write, when it is all the request writes, runs on a reader connection
(``pool.write_alone``): no connection is checked out of the pool for a post to a thread
that exists, and the comment and its thread's change still stand or fall together."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, Thread, utcnow
from discuss.pool import reader_connections, write_alone
from discuss.services.comments import _INSERT_COMMENT, _PLAIN_DEFAULTS
from discuss.services.threads import change_step


class Checkouts:
    """How often the app's pool hands out a connection inside a ``with`` block."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.count = 0

    def _taken(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> Checkouts:
        sa.event.listen(self.engine, "checkout", self._taken)
        return self

    def __exit__(self, *exc: Any) -> None:
        sa.event.remove(self.engine, "checkout", self._taken)


@pytest.fixture
def engine(app) -> sa.Engine:
    with app.app_context():
        return db.engine


@pytest.fixture
def thread_state(app):
    def state(key: str = "article-1") -> tuple[int, int, int]:
        with app.app_context():
            thread = db.session.execute(sa.select(Thread).where(Thread.key == key)).scalar_one()
            comments = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
            return thread.version, thread.comment_count, comments

    return state


def test_a_post_to_a_thread_that_exists_takes_no_pooled_connection(
        app, engine, post_as_widget, thread_state):
    assert post_as_widget(1).status_code in (201, 202)  # adds the thread, with the session
    version, count, comments = thread_state()
    with Checkouts(engine) as pool:
        response = post_as_widget(2)
    assert response.status_code in (201, 202), response.get_json()  # 202: held for timing
    assert pool.count == 0
    approved = response.status_code == 201
    assert thread_state() == (version + 1, count + approved, comments + 1)
    with app.app_context():
        stored = db.session.get(Comment, response.get_json()["comment"]["id"])
        assert stored.body_source == "Comment number 2 here."
        assert stored.checks and stored.created_at.tzinfo is not None


def test_a_reply_takes_no_pooled_connection_either(app, engine, post_as_widget, client,
                                                   form_token):
    first = post_as_widget(1)
    with app.app_context():  # approved, so that it can be answered
        db.session.get(Comment, first.get_json()["comment"]["id"]).status = "approved"
        db.session.commit()
    parent = first.get_json()["comment"]["id"]
    token = form_token("news", "article-1")
    with Checkouts(engine) as pool:
        reply = client.post("/api/v1/comments", headers={"Origin": "https://news.example"},
                            environ_base={"REMOTE_ADDR": "192.0.2.50"},
                            json={"site": "news", "thread": "article-1", "form_token": token,
                                  "parent_id": parent, "author_name": "Replier",
                                  "author_email": "replier@example.org",
                                  "body": "A reply to the first."})
    assert reply.status_code in (201, 202), reply.get_json()
    assert pool.count == 0
    node = reply.get_json()["comment"]
    assert (node["parent_id"], node["depth"]) == (parent, 1)


def _comment_steps(thread_id: int) -> list[tuple[Any, dict[str, Any]]]:
    """A post's two steps on SQLite: the comment's INSERT and its thread's change."""
    values = {**_PLAIN_DEFAULTS, "thread_id": thread_id, "parent_id": None, "root_id": None,
              "depth": 0, "status": "approved", "author_name": None, "author_email": None,
              "author_url": None, "author_ip": None, "user_agent": None, "avatar": "a" * 32,
              "body_source": "never stored", "body_html": "<p>never stored</p>",
              "body_hash": "b" * 64, "notify_replies": False, "checks": [],
              "created_at": utcnow()}
    return [(_INSERT_COMMENT, {f"new_{key}": value for key, value in values.items()}),
            change_step(thread_id, 1)]


@pytest.fixture
def sqlite_only(backend) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL writes the comment and the change as one statement")


def test_a_refused_step_undoes_the_comment_written_before_it(app, sqlite_only, post_as_widget,
                                                              thread_state):
    """SQLite takes the comment and the change as two statements in one transaction; a
    third that the database refuses (a second thread of the same key) undoes both."""
    assert post_as_widget(1).status_code in (201, 202)
    before = thread_state()
    with app.app_context():
        site_id, thread_id = db.session.execute(sa.select(Thread.site_id, Thread.id)).one()
        db.session.rollback()
        same_key = sa.insert(Thread).values(
            site_id=sa.bindparam("site_id"), key="article-1", url=None, title=None,
            locked=False, comment_count=0, version=1, created_at=utcnow())
        with pytest.raises(sa.exc.IntegrityError) as refused:
            write_alone(db.engine, db.session,
                        [*_comment_steps(thread_id), (same_key, {"site_id": site_id})])
        assert "UNIQUE" in str(refused.value)
    assert thread_state() == before
    assert post_as_widget(2).status_code in (201, 202)  # nothing left locked


def test_a_write_stopped_between_its_steps_leaves_no_transaction_open(
        app, sqlite_only, post_as_widget, thread_state):
    """A listener that raises after the comment's INSERT: the reader connection goes back
    rolled back, so neither does the next writer wait for its lock nor does the next use
    of the connection commit the stopped comment."""
    assert post_as_widget(1).status_code in (201, 202)
    before = thread_state()

    def refuse_the_change(conn, cursor, statement, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE THREADS"):
            raise RuntimeError("stopped between the steps")

    with app.app_context():
        steps = _comment_steps(db.session.scalar(sa.select(Thread.id)))
        db.session.rollback()
        idle = reader_connections(db.engine).idle_count()
        sa.event.listen(db.engine, "before_cursor_execute", refuse_the_change)
        try:
            with pytest.raises(RuntimeError):
                write_alone(db.engine, db.session, steps)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", refuse_the_change)
        assert reader_connections(db.engine).idle_count() == idle  # given back, not closed
    assert thread_state() == before
    # The next post takes that connection: it stores its own comment, not the stopped one.
    assert post_as_widget(2).status_code in (201, 202)
    assert thread_state()[2] == before[2] + 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(
            Comment.body_source == "never stored")) == 0


def test_a_write_missing_a_value_is_refused_before_it_runs(app, post_as_widget, thread_state):
    """No default is filled in on a reader connection: a value left out is an error, not a
    NULL written (a write through the session would refuse it too)."""
    assert post_as_widget(1).status_code in (201, 202)
    before = thread_state()
    with app.app_context():
        steps = _comment_steps(db.session.scalar(sa.select(Thread.id)))
        db.session.rollback()
        statement, row = steps[0]
        del row["new_body_html"]
        with pytest.raises(ValueError, match="new_body_html"):
            write_alone(db.engine, db.session, [(statement, row)])
    assert thread_state() == before
