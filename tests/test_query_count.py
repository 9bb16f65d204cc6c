"""A page of a thread costs the same few queries whatever the thread's size."""

from __future__ import annotations

from datetime import timedelta

import pytest

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Thread, utcnow
from discuss.services.sites import get_site
from discuss.services.threads import ensure_thread


def seed_thread(app, size: int, key: str = "big") -> None:
    """Insert ``size`` approved comments: a third top-level, the rest replies in chains."""
    with app.app_context():
        site = get_site("news")
        thread = ensure_thread(site, key, None, None)
        start = utcnow() - timedelta(days=1)
        roots: list[Comment] = []
        for n in range(max(1, size // 3)):
            root = Comment(thread_id=thread.id, depth=0, status=CommentStatus.APPROVED,
                           body_source=f"r{n}", body_html=f"<p>r{n}</p>",
                           created_at=start + timedelta(seconds=n))
            roots.append(root)
        db.session.add_all(roots)
        db.session.flush()
        replies = []
        for n in range(size - len(roots)):
            root = roots[n % len(roots)]
            replies.append(Comment(thread_id=thread.id, parent_id=root.id, root_id=root.id,
                                   depth=1, status=CommentStatus.APPROVED,
                                   body_source=f"a{n}", body_html=f"<p>a{n}</p>",
                                   created_at=start + timedelta(seconds=size + n)))
        db.session.add_all(replies)
        db.session.flush()
        deeper = [Comment(thread_id=thread.id, parent_id=reply.id, root_id=reply.root_id,
                          depth=2, status=CommentStatus.APPROVED, body_source="d",
                          body_html="<p>d</p>", created_at=start + timedelta(days=1))
                  for reply in replies[: len(replies) // 4]]
        db.session.add_all(deeper)
        thread_row = db.session.get(Thread, thread.id)
        thread_row.comment_count = len(roots) + len(replies) + len(deeper)
        thread_row.version += 1  # a visible change, as record_change marks it (listing cache)
        db.session.commit()


def _count_listing_queries(client, query_counter, sort: str) -> tuple[int, int]:
    with query_counter() as counter:
        response = client.get(f"/api/v1/comments?site=news&thread=big&sort={sort}&limit=100")
    assert response.status_code == 200
    return counter.count, len(response.get_json()["comments"])


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_listing_queries_do_not_grow_with_the_thread(make_app, make_site, client, query_counter,
                                                     sort, app):
    make_site()
    seed_thread(app, 10)
    small, small_roots = _count_listing_queries(client, query_counter, sort)
    seed_thread(app, 1000 - 10, key="big")
    large, large_roots = _count_listing_queries(client, query_counter, sort)
    assert small_roots < large_roots == 100
    assert small == large <= 4


def test_conditional_read_touches_no_comment_rows(client, app, make_site, query_counter):
    make_site()
    seed_thread(app, 30)
    etag = client.get("/api/v1/comments?site=news&thread=big").headers["ETag"]
    with query_counter() as counter:
        response = client.get("/api/v1/comments?site=news&thread=big",
                              headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert not any("comments" in s.split("FROM", 1)[-1] for s in counter.statements)
