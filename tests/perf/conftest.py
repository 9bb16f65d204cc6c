"""Helpers for the performance-design tests: bulk threads and cache inspection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Site, Thread, utcnow


def seed_thread(app: Flask, site_slug: str, key: str, comments: int, roots: int) -> int:
    """A thread of ``comments`` approved comments: ``roots`` top-level, the rest nested replies."""
    with app.app_context():
        site = db.session.execute(sa.select(Site).where(Site.slug == site_slug)).scalar_one()
        thread = Thread(site_id=site.id, key=key, comment_count=comments, version=1)
        db.session.add(thread)
        db.session.flush()
        start = utcnow() - timedelta(days=1)
        stored: list[Comment] = []
        batch: list[Comment] = []
        for n in range(comments):
            parent = stored[(n * 7) % len(stored)] if n >= roots and stored else None
            batch.append(Comment(
                thread_id=thread.id, parent_id=parent.id if parent else None,
                root_id=(parent.root_id or parent.id) if parent else None,
                depth=parent.depth + 1 if parent else 0, status=CommentStatus.APPROVED,
                author_name=f"Reader {n}", avatar=f"{n:032x}", body_source=f"Comment {n}",
                body_html=f"<p>Comment {n}</p>", body_hash=f"{n:064x}",
                created_at=start + timedelta(seconds=n), checks=[],
            ))
            if n + 1 == roots or len(batch) == 200 or n + 1 == comments:
                db.session.add_all(batch)
                db.session.flush()
                stored.extend(batch)
                batch = []
        db.session.commit()
        return thread.id


@pytest.fixture
def bulk_thread(app: Flask) -> Callable[..., int]:
    """Seed a big thread directly (posting 1,000 comments over HTTP would be slow)."""

    def make(key: str, comments: int, roots: int | None = None, site: str = "news") -> int:
        return seed_thread(app, site, key, comments, roots if roots is not None else comments)

    return make


@pytest.fixture
def cached_keys(redis_url: str) -> Callable[[], list[Any]]:
    """The listing keys stored in the test Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    return lambda: sorted(client.scan_iter("discuss:listing:*"))


class QueryLog:
    """The SQL statements one app ran inside a ``with`` block."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def touching_comments(self) -> list[str]:
        """Statements that read comment rows (FROM/JOIN comments)."""
        return [s for s in self.statements
                if " comments" in s.lower().replace("\n", " ").split(" where ")[0]]

    def __enter__(self) -> QueryLog:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: Any) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def extra_app(make_app: Callable[..., Flask]) -> Iterator[Callable[..., Flask]]:
    """Another app on the same database (another worker); its connections closed afterwards."""
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        made.append(make_app(**overrides))
        return made[-1]

    yield factory
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def post_as_widget(client, make_site, form_token) -> Callable[..., Any]:
    """Posts as the widget sends them to a site with the default checks on (the benchmark's
    post): from the site's page, each from its own address, with a body of its own."""
    from discuss.spam.registry import default_site_checks

    make_site(spam_checks=default_site_checks())
    token = form_token("news", "article-1")

    def post(n: int, thread: str = "article-1", via: Any = client):
        return via.post("/api/v1/comments", headers={"Origin": "https://news.example"},
                        environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
                        json={"site": "news", "thread": thread, "form_token": token,
                              "author_name": "Reader", "body": f"Comment number {n} here."})

    return post
