"""Votes (one per reader, changeable) and flags."""

from __future__ import annotations

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Flag


def _vote(client, comment_id, value, ip="198.51.100.7"):
    return client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value},
                       environ_base={"REMOTE_ADDR": ip})


def test_one_vote_per_reader_changeable_and_withdrawable(client, site, post_comment):
    comment_id = post_comment("vote on me").get_json()["comment"]["id"]
    assert _vote(client, comment_id, 1).get_json() == {"likes": 1, "dislikes": 0}
    assert _vote(client, comment_id, 1).get_json() == {"likes": 1, "dislikes": 0}
    assert _vote(client, comment_id, -1).get_json() == {"likes": 0, "dislikes": 1}
    assert _vote(client, comment_id, 1, ip="198.51.100.8").get_json() == {"likes": 1,
                                                                          "dislikes": 1}
    assert _vote(client, comment_id, 0).get_json() == {"likes": 1, "dislikes": 0}
    listed = client.get("/api/v1/comments?site=news&thread=article-1").get_json()["comments"][0]
    assert (listed["likes"], listed["dislikes"]) == (1, 0)


def test_bad_votes(client, site, post_comment):
    comment_id = post_comment("x").get_json()["comment"]["id"]
    for value in (2, "1", None, True, 1.5):
        response = client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value})
        assert response.status_code == 422, value
        assert "value" in response.get_json()["errors"]
    assert _vote(client, 987654, 1).status_code == 404


def test_votes_on_held_comments_are_404(client, make_site, post_comment):
    make_site(moderation="pre")
    comment_id = post_comment("held").get_json()["comment"]["id"]
    assert _vote(client, comment_id, 1).status_code == 404


def test_flag_is_202_and_stored_once_per_reader(client, app, site, post_comment):
    comment_id = post_comment("rude").get_json()["comment"]["id"]
    url = f"/api/v1/comments/{comment_id}/flag"
    assert client.post(url, json={"reason": "abuse", "note": "insults"}).status_code == 202
    assert client.post(url, json={"reason": "spam"}).status_code == 202
    assert client.post(url, json={"reason": "spam"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 202
    with app.app_context():
        flags = db.session.execute(sa.select(Flag.reason, Flag.note).order_by(Flag.id)).all()
        assert [(r.value, n) for r, n in flags] == [("abuse", "insults"), ("spam", None)]


def test_bad_flags(client, site, post_comment):
    comment_id = post_comment("x").get_json()["comment"]["id"]
    url = f"/api/v1/comments/{comment_id}/flag"
    assert client.post(url, json={"reason": "boring"}).status_code == 422
    assert client.post(url, json={"reason": "other", "note": "n" * 1001}).status_code == 422
    assert client.post(url, json={}).status_code == 422
    assert client.post("/api/v1/comments/55555/flag", json={"reason": "spam"}).status_code == 404
