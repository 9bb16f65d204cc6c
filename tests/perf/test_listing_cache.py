"""The listing cache stays correct: every visible change is seen by the next reader.

Each test runs twice: with the in-process LRU (the default) and with real Redis. A read is
known to be served from the cache when it ran one statement and read no comment row.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Thread
from discuss.services.threads import record_change
from tests.perf.conftest import QueryLog

LISTING = "/api/v1/comments?site=news&thread=article-1"


@pytest.fixture(params=["lru", "redis"])
def app(request: pytest.FixtureRequest, make_app: Any) -> Flask:
    """The app with its default in-process cache, or sharing Redis."""
    if request.param == "redis":
        return make_app(redis_url=request.getfixturevalue("redis_url"))
    return make_app()


def read(client: Any, app: Flask) -> tuple[dict[str, Any], QueryLog]:
    with QueryLog(app) as log:
        response = client.get(LISTING)
    assert response.status_code == 200
    return response.get_json(), log


def read_cached(client: Any, app: Flask) -> dict[str, Any]:
    """Read twice; the second answer must come from the cache and equal the first."""
    first, _ = read(client, app)
    second, log = read(client, app)
    assert log.count == 1 and not log.touching_comments(), log.statements
    assert second == first
    return second


def bodies(listing: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            found.append(node["html"])
            walk(node["replies"])

    walk(listing["comments"])
    return found


def moderate(app: Flask, comment_id: int, status: CommentStatus) -> None:
    """A moderator's status change, recorded the way every moderation action records it."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        delta = int(status is CommentStatus.APPROVED) - int(comment.is_public)
        comment.status = status
        record_change(comment.thread_id, delta)
        db.session.commit()


def test_new_comment_is_seen_after_a_cached_read(app, client, site, post_comment):
    post_comment("First", ip="192.0.2.1")
    assert bodies(read_cached(client, app)) == ["<p>First</p>"]
    post_comment("Second", ip="192.0.2.2")
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>First</p>", "<p>Second</p>"]
    assert listing["thread"]["comment_count"] == 2


def test_reply_is_seen(app, client, site, post_comment):
    parent = post_comment("Parent").get_json()["comment"]["id"]
    read_cached(client, app)
    post_comment("Child", parent_id=parent, ip="192.0.2.9")
    listing, _ = read(client, app)
    assert [r["html"] for r in listing["comments"][0]["replies"]] == ["<p>Child</p>"]


def test_edit_is_seen(app, client, site, post_comment):
    created = post_comment("Before").get_json()
    read_cached(client, app)
    response = client.patch(f"/api/v1/comments/{created['comment']['id']}",
                            json={"body": "After"},
                            headers={"Authorization": f"Bearer {created['edit_token']}"})
    assert response.status_code == 200
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>After</p>"]
    assert listing["comments"][0]["edited_at"] is not None


def test_deleted_comment_disappears(app, client, site, post_comment):
    created = post_comment("Regrettable").get_json()
    post_comment("Fine", ip="192.0.2.7")
    assert "<p>Regrettable</p>" in bodies(read_cached(client, app))
    response = client.delete(f"/api/v1/comments/{created['comment']['id']}",
                             headers={"Authorization": f"Bearer {created['edit_token']}"})
    assert response.status_code == 204
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>Fine</p>"]
    assert listing["thread"]["comment_count"] == 1


def test_vote_is_seen(app, client, site, post_comment):
    comment_id = post_comment("Vote for me").get_json()["comment"]["id"]
    assert read_cached(client, app)["comments"][0]["likes"] == 0
    response = client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": 1})
    assert response.get_json() == {"likes": 1, "dislikes": 0}
    listing, _ = read(client, app)
    assert listing["comments"][0]["likes"] == 1


@pytest.mark.parametrize("status", [CommentStatus.REJECTED, CommentStatus.SPAM,
                                    CommentStatus.PENDING, CommentStatus.DELETED])
def test_moderated_comment_disappears(app, client, site, post_comment, status):
    comment_id = post_comment("Abusive").get_json()["comment"]["id"]
    post_comment("Civil", ip="192.0.2.8")
    assert "<p>Abusive</p>" in bodies(read_cached(client, app))
    moderate(app, comment_id, status)
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>Civil</p>"]
    assert listing["thread"]["comment_count"] == 1


def test_approved_comment_appears(app, client, make_site, post_comment):
    make_site(moderation="pre")
    response = post_comment("Held at first")
    assert response.status_code == 202
    assert bodies(read_cached(client, app)) == []
    moderate(app, response.get_json()["comment"]["id"], CommentStatus.APPROVED)
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>Held at first</p>"]


def test_withdrawn_parent_becomes_a_tombstone(app, client, site, post_comment):
    parent = post_comment("Parent").get_json()["comment"]["id"]
    post_comment("Reply", parent_id=parent, ip="192.0.2.3")
    read_cached(client, app)
    moderate(app, parent, CommentStatus.REJECTED)
    listing, _ = read(client, app)
    top = listing["comments"][0]
    assert top["deleted"] is True and top["html"] == "" and top["author"]["name"] is None
    assert [r["html"] for r in top["replies"]] == ["<p>Reply</p>"]


def test_site_setting_change_is_seen(app, client, site, post_comment):
    first = post_comment("Level 0").get_json()["comment"]["id"]
    second = post_comment("Level 1", parent_id=first, ip="192.0.2.4").get_json()["comment"]["id"]
    post_comment("Level 2", parent_id=second, ip="192.0.2.5")
    assert read_cached(client, app)["comments"][0]["replies"][0]["replies"]
    with app.app_context():
        from discuss.services.sites import get_site

        news = get_site("news")
        news.max_depth = 1
        news.settings_version += 1
        db.session.commit()
    listing, _ = read(client, app)
    replies = listing["comments"][0]["replies"]
    assert [r["html"] for r in replies] == ["<p>Level 1</p>", "<p>Level 2</p>"]
    assert all(r["depth"] == 1 and not r["replies"] for r in replies)


def test_pages_of_different_shape_are_cached_apart(app, client, site, post_comment):
    for n in range(3):
        post_comment(f"Comment {n}", ip=f"192.0.2.{n + 10}")
    newest = client.get(LISTING + "&sort=newest&limit=2").get_json()
    oldest = client.get(LISTING + "&limit=2").get_json()
    assert bodies(newest) == ["<p>Comment 2</p>", "<p>Comment 1</p>"]
    assert bodies(oldest) == ["<p>Comment 0</p>", "<p>Comment 1</p>"]
    assert client.get(LISTING + "&sort=newest&limit=2").get_json() == newest


def test_a_thread_rebuilt_under_a_deleted_ones_id_gets_none_of_its_pages(
        app, client, site, post_comment):
    """An operator deletes a thread's rows and the thread comes back under the same id with
    the same version (SQLite hands out a deleted last id again; a restore does the same on
    any database). Only its creation time tells the two apart: neither the old tag nor the
    old cached page may answer for the new thread."""
    post_comment("Before the rebuild")
    assert bodies(read_cached(client, app)) == ["<p>Before the rebuild</p>"]
    old_tag = client.get(LISTING).headers["ETag"]
    with app.app_context():
        old = db.session.scalars(sa.select(Thread).where(Thread.key == "article-1")).one()
        gone = {"id": old.id, "site_id": old.site_id, "version": old.version,
                "created_at": old.created_at}
        db.session.execute(sa.delete(Comment).where(Comment.thread_id == gone["id"]))
        db.session.execute(sa.delete(Thread).where(Thread.id == gone["id"]))
        db.session.add(Thread(id=gone["id"], site_id=gone["site_id"], key="article-1",
                              version=gone["version"] - 1,
                              created_at=gone["created_at"] + timedelta(seconds=1)))
        db.session.commit()
    post_comment("After the rebuild", ip="192.0.2.30")
    with app.app_context():
        rebuilt = db.session.get(Thread, gone["id"])
        assert rebuilt is not None and rebuilt.version == gone["version"]  # the same state
    assert client.get(LISTING, headers={"If-None-Match": old_tag}).status_code == 200
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>After the rebuild</p>"]
    assert client.get(LISTING).headers["ETag"] != old_tag


def test_two_app_processes_share_the_truth(app, extra_app, client, site, post_comment):
    """A second app (another worker, its own in-process cache) deletes; the first sees it."""
    other = extra_app(redis_url=app.config["DISCUSS"].redis_url)
    created = post_comment("Gone soon").get_json()
    post_comment("Stays", ip="192.0.2.6")
    read_cached(client, app)
    other_client = other.test_client()
    assert bodies(read_cached(other_client, other)) == ["<p>Gone soon</p>", "<p>Stays</p>"]
    response = other_client.delete(f"/api/v1/comments/{created['comment']['id']}",
                                   headers={"Authorization": f"Bearer {created['edit_token']}"})
    assert response.status_code == 204
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>Stays</p>"]


def test_redis_holds_the_cached_page(extra_app, redis_url, site, post_comment, cached_keys):
    redis_app = extra_app(redis_url=redis_url)
    redis_client = redis_app.test_client()
    post_comment("Shared")
    before = cached_keys()
    read_cached(redis_client, redis_app)
    assert len(cached_keys()) == len(before) + 1


def test_redis_outage_degrades_to_the_local_cache(extra_app, site, post_comment, caplog):
    broken = extra_app(redis_url="redis://127.0.0.1:9/0")
    broken_client = broken.test_client()
    created = post_comment("Still served").get_json()
    with caplog.at_level(logging.WARNING, logger="discuss.cache"):
        assert bodies(read_cached(broken_client, broken)) == ["<p>Still served</p>"]
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records)
    broken_client.delete(f"/api/v1/comments/{created['comment']['id']}",
                         headers={"Authorization": f"Bearer {created['edit_token']}"})
    listing, _ = read(broken_client, broken)
    assert bodies(listing) == []


def test_cache_can_be_switched_off(extra_app, site, post_comment):
    plain = extra_app(listing_cache_bytes=0)
    plain_client = plain.test_client()
    post_comment("Uncached")
    read(plain_client, plain)
    listing, log = read(plain_client, plain)
    assert bodies(listing) == ["<p>Uncached</p>"] and log.touching_comments()
