"""Personal data: anonymised after an age, spam purged by the retention rule, erasure on request."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, utcnow
from discuss.services.privacy import anonymise_ip


def _set(app, comment_id, **values):
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.id == comment_id).values(**values))
        db.session.commit()


def _get(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id)


def test_anonymise_ip():
    assert anonymise_ip("203.0.113.77") == "203.0.113.0"
    assert anonymise_ip("2001:db8:abcd:12::1") == "2001:db8:abcd::"
    assert anonymise_ip("garbage") is None and anonymise_ip(None) is None


def test_retention_anonymises_old_ips_and_purges_old_spam(app, site, post_comment):
    old = post_comment("old", ip="203.0.113.77").get_json()["comment"]["id"]
    fresh = post_comment("fresh", ip="198.51.100.5").get_json()["comment"]["id"]
    spam = post_comment("old spam").get_json()["comment"]["id"]
    recent_spam = post_comment("new spam").get_json()["comment"]["id"]
    long_ago = utcnow() - timedelta(days=45)
    _set(app, old, created_at=long_ago, user_agent="Browser/1.0")
    _set(app, spam, created_at=long_ago, status=CommentStatus.SPAM)
    _set(app, recent_spam, status=CommentStatus.SPAM)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert "anonymised 2 comment(s); purged 1 spam" in result.output
    assert (_get(app, old).author_ip, _get(app, old).user_agent) == ("203.0.113.0", None)
    assert _get(app, fresh).author_ip == "198.51.100.5"
    assert _get(app, spam) is None
    assert _get(app, recent_spam) is not None
    again = runner.invoke(args=["privacy", "retention"])
    assert "anonymised 0 comment(s); purged 0 spam" in again.output


def test_erase_person(app, client, site, post_comment):
    mine = post_comment("mine", author_email="Gone@Example.org", author_name="Gone",
                        author_url="https://gone.example").get_json()["comment"]["id"]
    reply = post_comment("reply", parent_id=mine).get_json()["comment"]["id"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "erase", "--email", "gone@example.org"])
    assert result.exit_code == 0 and "1 comment(s)" in result.output
    erased = _get(app, mine)
    assert (erased.author_email, erased.author_ip, erased.author_name, erased.author_url) == (
        None, None, None, None)
    listing = client.get("/api/v1/comments?site=news&thread=article-1").get_json()
    assert listing["comments"][0]["author"]["name"] is None
    assert listing["comments"][0]["html"] == "<p>mine</p>"

    post_comment("again", author_email="gone@example.org")
    result = runner.invoke(args=["privacy", "erase", "--email", "gone@example.org",
                                 "--delete-comments"])
    assert result.exit_code == 0
    listing = client.get("/api/v1/comments?site=news&thread=article-1").get_json()
    assert [c["id"] for c in listing["comments"]] == [mine]
    assert listing["comments"][0]["html"] == "<p>mine</p>"
    assert listing["comments"][0]["replies"][0]["id"] == reply
    bad = runner.invoke(args=["privacy", "erase", "--email", "nobody"])
    assert bad.exit_code != 0 and "email" in bad.output
