"""Posting comments and replies: outcomes, validation, threads and closed places."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Thread, utcnow


def test_published_comment_is_201_with_edit_token(client, site, post_comment):
    response = post_comment("Hello *world*", author_name="Olena")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "approved"
    assert body["edit_token"]
    comment = body["comment"]
    assert comment["html"] == "<p>Hello <em>world</em></p>"
    assert comment["author"]["name"] == "Olena"
    assert comment["parent_id"] is None and comment["depth"] == 0
    assert comment["replies"] == [] and comment["deleted"] is False


def test_pre_moderated_site_holds_with_202(client, make_site, post_comment):
    make_site(moderation="pre")
    response = post_comment("Wait for me")
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    assert response.get_json()["comment"]["status"] == "pending"


def test_thread_is_created_on_first_comment_with_url_and_title(client, app, site, post_comment):
    post_comment("first", thread="2026/11/story", thread_url="https://news.example/story",
                 thread_title="A story")
    post_comment("second", thread="2026/11/story", thread_url="https://evil.example/",
                 thread_title="Renamed")
    thread = client.get("/api/v1/comments?site=news&thread=2026/11/story").get_json()["thread"]
    assert thread == {"key": "2026/11/story", "url": "https://news.example/story",
                      "title": "A story", "locked": False, "comment_count": 2}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 1


def test_thread_key_up_to_512_characters(client, site, post_comment):
    key = "k" * 512
    assert post_comment("ok", thread=key).status_code == 201
    response = post_comment("too long", thread=key + "k")
    assert response.status_code == 422
    assert "thread" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"author_email": "not-an-email"}, "author_email"),
        ({"author_url": "javascript:alert(1)"}, "author_url"),
        ({"author_url": "ftp://files.example"}, "author_url"),
        ({"author_name": "n" * 101}, "author_name"),
        ({"thread_url": "data:text/html,hi"}, "thread_url"),
        ({"notify_replies": "often"}, "notify_replies"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_fields_are_422_with_field_errors(client, site, post_comment, fields, field):
    body = fields.pop("body", "A comment")
    response = post_comment(body, **fields)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable Entity"
    assert list(problem["errors"]) == [field]
    assert all(isinstance(m, str) for m in problem["errors"][field])


def test_missing_site_and_body_are_named(client):
    response = client.post("/api/v1/comments", json={})
    assert response.status_code == 422
    assert {"site", "thread", "body"} <= set(response.get_json()["errors"])


def test_required_email(client, make_site, post_comment):
    make_site(require_email=True)
    response = post_comment("no email")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"author_email": ["Required."]}
    assert post_comment("with email", author_email="r@example.org").status_code == 201


def test_unknown_site_and_parent_are_404(client, site, post_comment, form_token):
    response = client.post("/api/v1/comments", json={"site": "ghost", "thread": "a", "body": "x"})
    assert response.status_code == 404
    assert post_comment("orphan", parent_id=999_999).status_code == 404


def test_parent_in_another_thread_is_422(client, site, post_comment):
    other = post_comment("elsewhere", thread="other-article").get_json()["comment"]["id"]
    response = post_comment("reply", parent_id=other)
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["errors"]


def test_reply_to_held_or_deleted_parent_is_404(client, app, site, post_comment):
    parent = post_comment("parent").get_json()["comment"]["id"]
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.id == parent)
                           .values(status=CommentStatus.PENDING))
        db.session.commit()
    assert post_comment("reply", parent_id=parent).status_code == 404


def test_locked_thread_closed_site_and_auto_close_are_403(client, app, make_site, post_comment):
    make_site()
    post_comment("first")
    with app.app_context():
        db.session.execute(sa.update(Thread).values(locked=True))
        db.session.commit()
    locked = post_comment("second")
    assert locked.status_code == 403 and "closed" in locked.get_json()["detail"]
    config = client.get("/api/v1/config?site=news&thread=article-1").get_json()
    assert config["thread"]["locked"] is True

    make_site("old-news", auto_close_days=30)
    post_comment("early", site="old-news")
    assert post_comment("still open", site="old-news").status_code == 201
    with app.app_context():
        db.session.execute(sa.update(Thread).where(Thread.key == "article-1")
                           .values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    assert post_comment("too late", site="old-news").status_code == 403

    make_site("shut", closed=True)
    assert post_comment("closed site", site="shut").status_code == 403


def test_comment_count_counts_approved_only(client, make_site, post_comment):
    make_site()
    for n in range(3):
        post_comment(f"c{n}")
    make_site("held", moderation="pre")
    post_comment("h", site="held")
    counts = client.get("/api/v1/counts?site=news&thread=article-1").get_json()
    assert counts == {"counts": {"article-1": 3}}
    assert client.get("/api/v1/counts?site=held&thread=article-1").get_json() == {
        "counts": {"article-1": 0}
    }


def test_body_is_stored_as_source_and_sanitised_html(client, app, site, post_comment):
    created = post_comment("**bold** <script>alert(1)</script>").get_json()
    with app.app_context():
        comment = db.session.get(Comment, created["comment"]["id"])
        assert comment.body_source == "**bold** <script>alert(1)</script>"
        assert comment.body_html == (
            "<p><strong>bold</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
        )
        assert comment.author_ip == "192.0.2.1"
