"""The author's edit token: read back, edit and delete inside the window, refused after it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, utcnow


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _age(app, comment_id, seconds):
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.id == comment_id)
                           .values(created_at=utcnow() - timedelta(seconds=seconds)))
        db.session.commit()


def test_get_public_and_with_token(client, make_site, post_comment):
    make_site(moderation="pre")
    created = post_comment("held for now").get_json()
    url = f"/api/v1/comments/{created['comment']['id']}"
    assert client.get(url).status_code == 404
    own = client.get(url, headers=_bearer(created["edit_token"]))
    assert own.status_code == 200
    assert own.get_json()["status"] == "pending"
    assert own.get_json()["body"] == "held for now"


def test_get_approved_without_token_shows_no_source(client, site, post_comment):
    created = post_comment("public").get_json()
    body = client.get(f"/api/v1/comments/{created['comment']['id']}").get_json()
    assert body["html"] == "<p>public</p>" and "body" not in body
    assert client.get("/api/v1/comments/424242").status_code == 404


def test_edit_inside_window_renders_again(client, site, post_comment):
    created = post_comment("typo hre").get_json()
    url = f"/api/v1/comments/{created['comment']['id']}"
    response = client.patch(url, json={"body": "typo *here*", "author_name": "Ed"},
                            headers=_bearer(created["edit_token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["html"] == "<p>typo <em>here</em></p>" and body["edited_at"].endswith("Z")
    listed = client.get("/api/v1/comments?site=news&thread=article-1").get_json()["comments"][0]
    assert listed["html"] == "<p>typo <em>here</em></p>" and listed["author"]["name"] == "Ed"


def test_edit_validation(client, site, post_comment):
    created = post_comment("fine").get_json()
    url = f"/api/v1/comments/{created['comment']['id']}"
    headers = _bearer(created["edit_token"])
    assert client.patch(url, json={"body": ""}, headers=headers).status_code == 422
    assert client.patch(url, json={"status": "approved"}, headers=headers).status_code == 422
    bad_url = client.patch(url, json={"author_url": "javascript:x"}, headers=headers)
    assert bad_url.status_code == 422


def test_missing_wrong_and_foreign_tokens(client, site, post_comment):
    mine = post_comment("mine").get_json()
    theirs = post_comment("theirs").get_json()
    url = f"/api/v1/comments/{mine['comment']['id']}"
    no_token = client.patch(url, json={"body": "x"})
    assert no_token.status_code == 401
    assert no_token.mimetype == "application/problem+json"
    assert client.patch(url, json={"body": "x"}, headers=_bearer("garbage")).status_code == 403
    foreign = client.delete(url, headers=_bearer(theirs["edit_token"]))
    assert foreign.status_code == 403
    form = client.get("/api/v1/config?site=news&thread=article-1").get_json()["form_token"]
    assert client.delete(url, headers=_bearer(form)).status_code == 403
    assert client.get("/api/v1/comments?site=news&thread=article-1").get_json()[
        "thread"]["comment_count"] == 2


def test_edit_and_delete_refused_after_window(client, app, site, post_comment):
    created = post_comment("too late").get_json()
    comment_id = created["comment"]["id"]
    url = f"/api/v1/comments/{comment_id}"
    _age(app, comment_id, 901)
    edit = client.patch(url, json={"body": "changed"}, headers=_bearer(created["edit_token"]))
    assert edit.status_code == 403
    assert "edit window" in edit.get_json()["detail"]
    assert client.delete(url, headers=_bearer(created["edit_token"])).status_code == 403
    assert client.get(url).get_json()["html"] == "<p>too late</p>"


def test_window_follows_site_setting(client, app, make_site, post_comment):
    make_site(edit_window_seconds=60)
    created = post_comment("short window").get_json()
    _age(app, created["comment"]["id"], 61)
    response = client.delete(f"/api/v1/comments/{created['comment']['id']}",
                             headers=_bearer(created["edit_token"]))
    assert response.status_code == 403


def test_delete_inside_window(client, site, post_comment):
    created = post_comment("oops").get_json()
    url = f"/api/v1/comments/{created['comment']['id']}"
    assert client.delete(url, headers=_bearer(created["edit_token"])).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=_bearer(created["edit_token"])).status_code == 404
    listing = client.get("/api/v1/comments?site=news&thread=article-1").get_json()
    assert listing["comments"] == [] and listing["thread"]["comment_count"] == 0


def test_the_answer_to_a_post_is_the_comment_as_stored(client, make_site, post_comment):
    """The created comment in the answer is built from the values written; reading it back
    with its edit token gives the same fields, for a comment and a reply, held or not."""
    for moderation in ("post", "pre"):
        make_site(slug=f"site-{moderation}", moderation=moderation)
        first = post_comment("First, with **bold**.", site=f"site-{moderation}",
                             author_url="https://reader.example").get_json()
        parent = first["comment"]["id"] if moderation == "post" else None
        reply = post_comment("A reply, see example.org", site=f"site-{moderation}",
                             parent_id=parent, ip="192.0.2.7").get_json()
        for created in (first, reply):
            stored = client.get(f"/api/v1/comments/{created['comment']['id']}",
                                headers=_bearer(created["edit_token"]))
            assert stored.status_code == 200
            assert created["comment"] == stored.get_json()
        assert (reply["comment"]["parent_id"], reply["comment"]["depth"]) == \
            ((parent, 1) if parent else (None, 0))
        assert first["status"] == ("approved" if parent else "pending")
